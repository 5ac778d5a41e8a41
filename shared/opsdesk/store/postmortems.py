"""Postmortems and their action items in the one table; reads are key or index queries only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import Conflict, NotFound
from opsdesk.domain.postmortems import ActionItem, ActionPriority, DraftEntry, Postmortem, Stage
from opsdesk.store.dynamodb import (
    Item,
    client,
    get_item,
    iso,
    parse_time,
    put_new,
    query_all,
    to_dynamo,
)

if TYPE_CHECKING:
    from datetime import datetime

PUBLISHED_INDEX = "POSTMORTEMS#published"
OPEN_INDEX = "POSTMORTEMS#open"
# Open action items with a due date, by due date: the overdue sweep reads only these.
OPEN_ACTIONS_INDEX = "POSTMORTEM_ACTIONS#open"


def _pk(incident_id: str) -> str:
    return f"POSTMORTEM#{incident_id}"


def _required(value: object) -> datetime:
    moment = parse_time(value)
    if moment is None:
        raise ValueError("stored postmortem lacks a required time")
    return moment


def _seconds(value: object) -> timedelta | None:
    return None if value is None else timedelta(seconds=float(str(value)))


def postmortem_to_item(postmortem: Postmortem) -> Item:
    return {
        "pk": _pk(postmortem.incident_id),
        "sk": "META",
        "gsi1pk": PUBLISHED_INDEX if postmortem.is_published else OPEN_INDEX,
        "gsi1sk": iso(postmortem.published_at or postmortem.opened_at),
        "incident_id": postmortem.incident_id,
        "title": postmortem.title,
        "service": postmortem.service,
        "opened_at": iso(postmortem.opened_at),
        "lead": postmortem.lead,
        "summary": postmortem.summary,
        "impact": postmortem.impact,
        "timeline": [{"at": iso(line.at), "kind": line.kind, "text": line.text} for line in postmortem.timeline],
        "started_at": iso(postmortem.started_at),
        "resolved_at": iso(postmortem.resolved_at),
        "time_to_repair": str(postmortem.time_to_repair.total_seconds()) if postmortem.time_to_repair else None,
        "time_to_resolve": str(postmortem.time_to_resolve.total_seconds()) if postmortem.time_to_resolve else None,
        "contributing_factors": postmortem.contributing_factors,
        "went_well": postmortem.went_well,
        "to_improve": postmortem.to_improve,
        "stage": postmortem.stage.value,
        "held_at": iso(postmortem.held_at),
        "published_at": iso(postmortem.published_at),
        "last_reminded_on": postmortem.last_reminded_on.isoformat() if postmortem.last_reminded_on else None,
        "names": dict(postmortem.names) or None,
        "version": postmortem.version,
    }


def postmortem_from_item(item: Item) -> Postmortem:
    reminded = item.get("last_reminded_on")
    return Postmortem(
        incident_id=item["incident_id"],
        title=item["title"],
        service=item.get("service", ""),
        opened_at=_required(item["opened_at"]),
        lead=item.get("lead"),
        summary=item.get("summary", ""),
        impact=item.get("impact", ""),
        timeline=tuple(
            DraftEntry(_required(line["at"]), line["kind"], line.get("text", "")) for line in item.get("timeline", [])
        ),
        started_at=_required(item["started_at"]),
        resolved_at=parse_time(item.get("resolved_at")),
        time_to_repair=_seconds(item.get("time_to_repair")),
        time_to_resolve=_seconds(item.get("time_to_resolve")),
        contributing_factors=item.get("contributing_factors", ""),
        went_well=item.get("went_well", ""),
        to_improve=item.get("to_improve", ""),
        stage=Stage(item.get("stage", "draft")),
        held_at=parse_time(item.get("held_at")),
        published_at=parse_time(item.get("published_at")),
        last_reminded_on=date.fromisoformat(reminded) if reminded else None,
        names={str(key): str(value) for key, value in (item.get("names") or {}).items()},
        version=int(item.get("version", 0)),
    )


def action_to_item(incident_id: str, action: ActionItem) -> Item:
    open_with_due = not action.done and action.due is not None
    return {
        "pk": _pk(incident_id),
        "sk": f"ACTION#{action.number:04d}",
        "gsi2pk": OPEN_ACTIONS_INDEX if open_with_due else None,
        "gsi2sk": f"{action.due.isoformat()}#{incident_id}#{action.number}" if open_with_due and action.due else None,
        "incident_id": incident_id,
        "number": action.number,
        "description": action.description,
        "owner": action.owner,
        "priority": action.priority.value,
        "created_at": iso(action.created_at),
        "due": action.due.isoformat() if action.due else None,
        "ticket_key": action.ticket_key,
        "done": action.done,
    }


def action_from_item(item: Item) -> ActionItem:
    return ActionItem(
        number=int(item["number"]),
        description=item["description"],
        owner=item["owner"],
        priority=ActionPriority(item["priority"]),
        created_at=_required(item["created_at"]),
        due=date.fromisoformat(item["due"]) if item.get("due") else None,
        ticket_key=item.get("ticket_key", ""),
        done=bool(item.get("done", False)),
    )


class PostmortemRepository:
    """Postmortem reads and conditional writes."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def create(self, postmortem: Postmortem) -> bool:
        """Store a new postmortem; False if one already exists for the incident (a replay)."""
        return put_new(self.table, postmortem_to_item(postmortem))

    def save(self, postmortem: Postmortem) -> Postmortem:
        """Write if nobody changed it since it was read; Conflict otherwise."""
        item = postmortem_to_item(postmortem)
        item["version"] = postmortem.version + 1
        if not put_new(self.table, item, "version = :v", **{":v": postmortem.version}):
            raise Conflict(f"The postmortem for {postmortem.incident_id} changed; please try again.")
        return replace(postmortem, version=postmortem.version + 1)

    def get(self, incident_id: str) -> Postmortem:
        item = get_item(self.table, _pk(incident_id), "META")
        if item is None:
            raise NotFound(f"There is no postmortem for {incident_id}.")
        return postmortem_from_item(item)

    def find(self, incident_id: str) -> Postmortem | None:
        try:
            return self.get(incident_id)
        except NotFound:
            return None

    def list_published(self) -> list[Postmortem]:
        return [postmortem_from_item(item) for item in self._query("gsi1", "gsi1pk", PUBLISHED_INDEX)]

    def list_open(self) -> list[Postmortem]:
        return [postmortem_from_item(item) for item in self._query("gsi1", "gsi1pk", OPEN_INDEX)]

    def actions(self, incident_id: str) -> list[ActionItem]:
        values = {":pk": _pk(incident_id), ":a": "ACTION#"}
        return [action_from_item(item) for item in query_all(self.table, "pk = :pk AND begins_with(sk, :a)", values)]

    def open_actions_due_before(self, day: date) -> list[tuple[str, ActionItem]]:
        """Open action items due before `day`, with their incident ids (an index range query)."""
        items = self._query("gsi2", "gsi2pk", OPEN_ACTIONS_INDEX, below=day.isoformat())
        return [(str(item["incident_id"]), action_from_item(item)) for item in items]

    def add_action(self, incident_id: str, action: ActionItem) -> ActionItem:
        """Store an action item under the next free number (a conditional put, retried on a race)."""
        numbers = [existing.number for existing in self.actions(incident_id)]
        for attempt in range(5):
            numbered = replace(action, number=max(numbers, default=0) + 1 + attempt)
            if put_new(self.table, action_to_item(incident_id, numbered), "attribute_not_exists(sk)"):
                return numbered
        raise Conflict("Action items are being added fast; please try again.")

    def save_action(self, incident_id: str, action: ActionItem) -> None:
        client().put_item(TableName=self.table, Item=to_dynamo(action_to_item(incident_id, action)))

    def _query(self, index: str, key: str, value: str, below: str | None = None) -> list[Item]:
        condition = f"{key} = :k" + (f" AND {index}sk < :b" if below else "")
        values: dict[str, Any] = {":k": value}
        if below:
            values[":b"] = below
        return query_all(self.table, condition, values, index=index)
