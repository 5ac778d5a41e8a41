"""The `/incident` subcommands beyond declare: roles, updates, priority, status, resolve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import InvalidRequest, NotFound
from opsdesk.domain.incidents import parse_priority
from opsdesk.flows.incidents import Change, IncidentRunner
from opsdesk.slack.commands import ParsedCommand, parse
from opsdesk.slack.views.incidents import incident_list, incident_summary, timeline_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Respond

    from opsdesk.domain.incidents import Incident
    from opsdesk.services import Services


def pick_incident(services: Services, parsed: ParsedCommand, *, open_only: bool = True) -> Incident:
    """The incident a command means: the id given, else the only open one."""
    repository = services.incident_repository
    if parsed.incident_id:
        return repository.get(parsed.incident_id)
    candidates = repository.list_open()
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFound("No incident is open. Give an id, e.g. `/incident status INC-7K3QF`.")
    ids = ", ".join(f"`{incident.id}`" for incident in candidates)
    what = "open " if open_only else ""
    raise InvalidRequest(
        f"Several {what}incidents: {ids}. Say which, e.g. `/incident {parsed.subcommand} {candidates[0].id} …`."
    )


def register(services: Services, subcommands: dict[str, Callable[..., None]]) -> None:
    """Add the running-an-incident subcommands to `/incident`."""
    runner = IncidentRunner(services.incidents)

    def change(command: dict[str, Any]) -> Change:
        return Change(by=command["user_id"], at=services.now(), source_key=f"slack-command:{command['trigger_id']}")

    def lead(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command["text"])
        incident = pick_incident(services, parsed)
        user = parsed.mentions[0] if parsed.mentions else None
        runner.take_lead(incident.id, change(command), user=user, takeover=True)
        respond(text=f"<@{user or command['user_id']}> is leading {incident.id}.")

    def comms(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command["text"])
        incident = pick_incident(services, parsed)
        user = parsed.mentions[0] if parsed.mentions else None
        runner.assign_comms(incident.id, change(command), user=user)
        respond(text=f"<@{user or command['user_id']}> is handling comms for {incident.id}.")

    def update(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command["text"])
        if not parsed.rest:
            raise InvalidRequest("Say what changed, e.g. `/incident update INC-7K3QF Failover complete, watching`.")
        incident = pick_incident(services, parsed)
        runner.post_update(incident.id, change(command), parsed.rest)
        respond(text=f"Update posted to {incident.id}'s thread and to the leadership contacts.")

    def priority(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command["text"])
        level = parse_priority(parsed.rest or "")
        incident = pick_incident(services, parsed)
        runner.change_priority(incident.id, change(command), level)
        respond(text=f"{incident.id} is now {level.value} priority.")

    subcommands.update(lead=lead, comms=comms, update=update, priority=priority)
    _register_reading_and_closing(services, runner, subcommands, change)


def _register_reading_and_closing(
    services: Services,
    runner: IncidentRunner,
    subcommands: dict[str, Callable[..., None]],
    change: Callable[[dict[str, Any]], Change],
) -> None:
    def status(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command["text"])
        incident = pick_incident(services, parsed, open_only=False)
        respond(text=incident_summary(incident))

    def list_open(command: dict[str, Any], respond: Respond) -> None:
        respond(text=incident_list(services.incident_repository.list_open()))

    def timeline(command: dict[str, Any], respond: Respond) -> None:
        incident = pick_incident(services, parse(command["text"]), open_only=False)
        respond(text=timeline_text(incident, services.incident_repository.timeline(incident.id)))

    def resolve(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command["text"])
        incident = pick_incident(services, parsed)
        resolved = runner.resolve(incident.id, change(command), parsed.rest)
        respond(text=f"{resolved.id} is resolved.")

    def reopen(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command["text"])
        if not parsed.incident_id:
            raise InvalidRequest("Say which incident to reopen, e.g. `/incident reopen INC-7K3QF`.")
        runner.reopen(parsed.incident_id, change(command))
        respond(text=f"{parsed.incident_id} is open again.")

    subcommands.update(
        status=status,
        list=list_open,
        timeline=timeline,
        resolve=resolve,
        reopen=reopen,
    )
