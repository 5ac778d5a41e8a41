"""Slack ids of the postmortem features: named once, used everywhere."""

from __future__ import annotations

from enum import StrEnum


class PostmortemAction(StrEnum):
    RAISE_TICKET = "postmortem_raise_ticket"
    ADD_ACTION = "postmortem_add_action"


class PostmortemCallback(StrEnum):
    ACTION_MODAL = "postmortem_action_modal"


class PostmortemField(StrEnum):
    DESCRIPTION = "pm_description"
    OWNER = "pm_owner"
    PRIORITY = "pm_priority"
    DUE = "pm_due"
