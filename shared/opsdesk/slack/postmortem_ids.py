"""Slack ids of the postmortem features: named once, used everywhere."""

from __future__ import annotations

from enum import StrEnum

from opsdesk.domain.postmortems import Section


class PostmortemAction(StrEnum):
    RAISE_TICKET = "postmortem_raise_ticket"
    ADD_ACTION = "postmortem_add_action"
    EDIT = "postmortem_edit"
    MARK_DONE = "postmortem_mark_done"


class PostmortemCallback(StrEnum):
    ACTION_MODAL = "postmortem_action_modal"
    EDIT_MODAL = "postmortem_edit_modal"


class PostmortemField(StrEnum):
    DESCRIPTION = "pm_description"
    OWNER = "pm_owner"
    PRIORITY = "pm_priority"
    DUE = "pm_due"


class SectionField(StrEnum):
    """The edit modal's block and action id of each blameless section."""

    SUMMARY = "pm_summary"
    IMPACT = "pm_impact"
    CONTRIBUTING_FACTORS = "pm_contributing_factors"
    WENT_WELL = "pm_went_well"
    TO_IMPROVE = "pm_to_improve"

    @classmethod
    def of(cls, which: Section) -> SectionField:
        return cls[which.name]

    @property
    def section(self) -> Section:
        return Section[self.name]
