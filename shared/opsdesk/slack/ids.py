"""Slack action ids, callback ids and block ids: named once, used everywhere."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    TAKE_LEAD = "incident_take_lead"
    POST_UPDATE = "incident_post_update"
    CHANGE_PRIORITY = "incident_change_priority"
    RESOLVE = "incident_resolve"
    REOPEN = "incident_reopen"
    STATUS_PAGE = "incident_status_page"
    RECOVERED_RESOLVE = "incident_recovered_resolve"
    CHECKIN_MORE_PEOPLE = "incident_checkin_more_people"
    CHECKIN_ALL_GOOD = "incident_checkin_all_good"
    CHECKIN_COMMS_CURRENT = "incident_checkin_comms_current"
    ALERT_DECLARE = "alert_declare"
    ALERT_DISMISS = "alert_dismiss"
    CONFIRM_TAKEOVER = "incident_confirm_takeover"
    CANCEL_TAKEOVER = "incident_cancel_takeover"


class Callback(StrEnum):
    DECLARE = "incident_declare_modal"
    UPDATE = "incident_update_modal"
    RESOLVE = "incident_resolve_modal"
    PUBLIC = "incident_public_modal"
    TIMELINE_SHORTCUT = "add_to_incident_timeline"
    TIMELINE_PICK = "incident_timeline_pick_modal"
    DECLARE_SHORTCUT = "declare_incident_from_message"
    ALERT_DECLARE = "alert_declare_modal"
    ALERT_DISMISS = "alert_dismiss_modal"


class Field(StrEnum):
    """block_id / action_id pairs of modal inputs (the same string for both)."""

    TITLE = "title"
    PRIORITY = "priority"
    SERVICE = "service"
    USER_IMPACT = "user_impact"
    UPDATE_TEXT = "update_text"
    SUMMARY = "summary"
    INCIDENT = "incident"
    PUBLIC_TITLE = "public_title"
    PUBLIC_UPDATE = "public_update"
    DISMISS_REASON = "dismiss_reason"
