"""Slack ids of the support desk, the rota and the day: named once, used everywhere."""

from __future__ import annotations

from enum import StrEnum


class SupportAction(StrEnum):
    TAKE = "support_take"
    DONE = "support_done"
    RAISE_TICKET = "support_raise_ticket"
    NOT_A_REQUEST = "support_not_a_request"
    RATE = "support_rate"
    BOARD_PRIORITY = "support_board_priority"
    BOARD_TAKE = "support_board_take"
    CHECKLIST = "day_checklist"
    HANDOVER_DONE = "day_handover_done"


class SupportCallback(StrEnum):
    DONE = "support_done_modal"
    ADD_TO_TICKET = "add_to_ticket"
    TRACK = "track_as_request"


class SupportField(StrEnum):
    RESOLUTION = "resolution"
