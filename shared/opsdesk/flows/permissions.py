"""Who may change what, as the process says: the support team runs incidents, the day and the rota.

"Support team chooses an incident lead … the rest of the support team communicates the incident out"
(support-process.md). So every change to an incident (lead, comms, update, priority, resolve, reopen,
paging, check-in answers, the timeline, the postmortem), to the day (checklist ticks, the handover) and
to the rota is made by a member of the support team. The lead and the comms person they choose may be
anyone in the wider team; anyone may read, report a problem and write in a thread.

The rule is asked here, by the flow that makes the change, whatever the path the request came by
(slash command, button, modal, message shortcut, event, a listener's lazy half): a listener that forgets
cannot open a hole, and only words the refusal. The actor is always who Slack signed the request for,
never an id a payload carries in its metadata or a field. A refusal is one polite sentence, the same
pattern for every change: "Only the support team can <do it>. <what you can do instead>".
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from opsdesk.domain.errors import NotAllowed

if TYPE_CHECKING:
    from opsdesk.domain.ports import Team

REFUSAL = "Only the support team can {action}. {instead}"
REPORT_INSTEAD = "Anyone can report a problem in the ops channel, and they will pick it up."
THREAD_INSTEAD = "You can write in the incident's thread, and they will see it."
ASK_INSTEAD = "Ask someone on the support team, in the team channel or the ops channel."
OWN_REQUEST_INSTEAD = "A message you post in the ops channel, or `/support <what you need>`, is a request already."


class Permission(StrEnum):
    """Each change only the support team makes, worded as the refusal says it."""

    DECLARE = "declare an incident"
    DISMISS_ALERT = "close an alert"
    LEAD = "choose an incident's lead"
    COMMS = "choose who handles an incident's comms"
    UPDATE = "post incident updates"
    PRIORITY = "change an incident's priority"
    RESOLVE = "resolve an incident"
    REOPEN = "reopen an incident"
    PAGE = "page the on-call engineer"
    CHECKIN = "answer the check-in"
    TIMELINE = "add to an incident's timeline"
    PUBLISH = "say what the public status page shows"
    POSTMORTEM = "change postmortems"
    CHECKLIST = "tick the start-of-day checklist"
    HANDOVER = "mark the handover done"
    ROTA = "change the rota"
    ON_CALL = "change who is on call"
    TAKE_REQUEST = "take a support request"
    FINISH_REQUEST = "mark a support request done"
    NOT_A_REQUEST = "close a message as not a request"
    TRACK_REQUEST = "track a message as a support request"
    RAISE_TICKET = "raise a Jira ticket"
    TAKE_TICKET = "take a ticket"
    TICKET_PRIORITY = "set a ticket's priority"


# What the person can do instead; the incident's own changes point to its thread.
INSTEAD = {
    Permission.DECLARE: REPORT_INSTEAD,
    Permission.DISMISS_ALERT: ASK_INSTEAD,
    Permission.PUBLISH: ASK_INSTEAD,
    Permission.POSTMORTEM: ASK_INSTEAD,
    Permission.CHECKLIST: ASK_INSTEAD,
    Permission.HANDOVER: ASK_INSTEAD,
    Permission.ROTA: ASK_INSTEAD,
    Permission.ON_CALL: ASK_INSTEAD,
    Permission.TAKE_REQUEST: ASK_INSTEAD,
    Permission.FINISH_REQUEST: ASK_INSTEAD,
    Permission.NOT_A_REQUEST: ASK_INSTEAD,
    Permission.TRACK_REQUEST: OWN_REQUEST_INSTEAD,
    Permission.RAISE_TICKET: ASK_INSTEAD,
    Permission.TAKE_TICKET: ASK_INSTEAD,
    Permission.TICKET_PRIORITY: ASK_INSTEAD,
}


def refusal(permission: Permission) -> str:
    """The one sentence that says who may do it, and what the person can do instead."""
    return REFUSAL.format(action=permission.value, instead=INSTEAD.get(permission, THREAD_INSTEAD))


def require_team(team: Team, actor: str, permission: Permission) -> None:
    """Refuse (NotAllowed, a sentence safe to show) unless `actor` is on the support team."""
    if not team.is_member(actor):
        raise NotAllowed(refusal(permission))
