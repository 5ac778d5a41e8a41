"""The `/incident` subcommands, in one table: each takes the request and returns what to answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import Conflict, InvalidRequest
from opsdesk.domain.incidents import Priority, parse_priority
from opsdesk.flows.incidents import Declaration
from opsdesk.slack.commands import declared_priority, split_service
from opsdesk.slack.views.incident_roles import takeover_blocks, takeover_question
from opsdesk.slack.views.incidents import as_dicts, incident_list, incident_summary, timeline_text
from opsdesk.slack.views.mrkdwn import channel, literal, mention

if TYPE_CHECKING:
    from collections.abc import Callable

    from opsdesk.domain.incidents import Incident
    from opsdesk.flows.incidents import Change, IncidentFlows, IncidentRunner
    from opsdesk.flows.paging import Paging
    from opsdesk.flows.public_status import PublicStatus
    from opsdesk.slack.commands import ParsedCommand


@dataclass(frozen=True)
class Reply:
    """What a subcommand answers, ephemerally: a line, and blocks when it asks something back."""

    text: str
    blocks: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class IncidentCommand:
    """One `/incident` request (who asked, when, as which Slack request) and the flows it may use."""

    parsed: ParsedCommand
    change: Change
    incidents: IncidentFlows
    changes: IncidentRunner
    paging: Paging
    public_status: PublicStatus
    ops_channel: str

    def incident(self, *, open_only: bool = True) -> Incident:
        """The incident named, else the only open one."""
        return self.incidents.pick(self.parsed.incident_id, self.parsed.subcommand, open_only=open_only)

    @property
    def mentioned(self) -> str | None:
        return self.parsed.mentions[0] if self.parsed.mentions else None


def declare(request: IncidentCommand) -> str:
    title, said = declared_priority(request.parsed.rest)
    change = request.change
    incident = request.incidents.declare(
        Declaration(
            title=title,
            priority=said or Priority.NORMAL,
            declared_by=change.by,
            at=change.at,
            source_key=change.source_key,
        )
    )
    answer = f"Declared *{incident.id}* ({incident.priority.value} priority): {literal(incident.title)}."
    answer += f" It is announced in {channel(request.ops_channel)}."
    if said is None:
        answer += f" High priority? `/incident priority {incident.id} high` (or declare with `high: <title>`)."
    return answer


def lead(request: IncidentCommand) -> Reply:
    incident = request.incident()
    lead, asker = request.mentioned or request.change.by, request.change.by
    try:
        request.changes.take_lead(incident.id, request.change, user=request.mentioned)
    except Conflict as led:  # someone leads: ask before replacing them (any other conflict is told as it is)
        current = led.people.get("lead")
        if current is None:
            raise
        question = takeover_question(incident.id, current, lead, asker)
        return Reply(question, as_dicts(takeover_blocks(incident.id, current, lead, asker)))
    return Reply(f"{mention(lead)} is leading {incident.id}.")


def comms(request: IncidentCommand) -> str:
    incident = request.incident()
    request.changes.assign_comms(incident.id, request.change, user=request.mentioned)
    return f"{mention(request.mentioned or request.change.by)} is handling comms for {incident.id}."


def update(request: IncidentCommand) -> str:
    if not request.parsed.rest:
        raise InvalidRequest("Say what changed, e.g. `/incident update INC-7K3QF Failover complete, watching`.")
    incident = request.incident()
    request.changes.post_update(incident.id, request.change, request.parsed.rest)
    return f"Update posted to {incident.id}'s thread and to the leadership contacts."


def priority(request: IncidentCommand) -> str:
    level = parse_priority(request.parsed.rest or "")
    incident = request.incident()
    request.changes.change_priority(incident.id, request.change, level)
    return f"{incident.id} is now {level.value} priority."


def status(request: IncidentCommand) -> str:
    return incident_summary(request.incident(open_only=False))


def list_open(request: IncidentCommand) -> str:
    return incident_list(request.incidents.open_incidents())


def timeline(request: IncidentCommand) -> str:
    incident = request.incident(open_only=False)
    return timeline_text(incident, request.incidents.timeline(incident.id))


def resolve(request: IncidentCommand) -> str:
    incident = request.incident()
    summary, service = split_service(request.parsed.rest)
    resolved = request.changes.resolve(incident.id, request.change, summary, service=service)
    return f"{resolved.id} is resolved (service: {resolved.service})."


def reopen(request: IncidentCommand) -> str:
    incident_id = request.parsed.incident_id
    if not incident_id:
        raise InvalidRequest("Say which incident to reopen, e.g. `/incident reopen INC-7K3QF`.")
    request.changes.reopen(incident_id, request.change)
    return f"{incident_id} is open again."


def page(request: IncidentCommand) -> str:
    incident = request.incident()
    change = request.change
    request.paging.page_by_hand(incident.id, change.by, change.at, change.source_key)
    return f"Paged the on-call engineer about {incident.id}."


def publish(request: IncidentCommand) -> str:
    """`/incident public <id> <public title>`, or `/incident public <id> off` to take it off the page."""
    incident = request.incident(open_only=False)
    if request.parsed.rest.lower() == "off":
        request.public_status.withdraw(incident.id, request.change)
        return f"{incident.id} is no longer on the status page."
    shown = request.public_status.publish(incident.id, request.change, request.parsed.rest)
    title = shown.public.title if shown.public else ""
    return (
        f"{incident.id} is on the status page as “{literal(title)}”. Only that title and public updates are shown: "
        f"`/incident public-update {incident.id} <what the public should know>`."
    )


def public_update(request: IncidentCommand) -> str:
    incident = request.incident(open_only=False)
    request.public_status.update(incident.id, request.change, request.parsed.rest)
    return f"Public update posted on the status page for {incident.id}."


SUBCOMMANDS: dict[str, Callable[[IncidentCommand], str | Reply]] = {
    "declare": declare,
    "lead": lead,
    "comms": comms,
    "update": update,
    "priority": priority,
    "status": status,
    "list": list_open,
    "timeline": timeline,
    "resolve": resolve,
    "reopen": reopen,
    "page": page,
    "public": publish,
    "public-update": public_update,
}
