"""Alert groups, their alarm history and the pointers that find them, in the one table.

A group is one item (`ALERTGROUP#<id>`/`META`) holding each of its alarms' latest state and the
follow-ups still owed; its alarm history is one item per change beside it (`LINE#<time>#<change key>`),
so a storm's group stays small to write. `ALERTKEY#<key>`/`LATEST` names the latest group of a
grouping key: the one read that decides whether an alert joins a group. Every write that changes a
group is conditional on what was read, in one transaction with the alarm's own last state
(`store/alarm_changes.py`), so two alarms firing at once never lose one another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from opsdesk.domain.alerts import (
    AlertAlarm,
    AlertGroup,
    AlertLine,
    AlertMessage,
    AlertNote,
    AlertStatus,
    Duty,
    NoteKind,
    Owed,
    PageState,
)
from opsdesk.domain.errors import Conflict, NotFound
from opsdesk.domain.incidents import Priority
from opsdesk.store.dynamodb import (
    CancelledTransaction,
    IdTaken,
    Item,
    client,
    get_item,
    iso,
    parse_time,
    query_all,
    to_dynamo,
    transact,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

OPEN_INDEX_KEY = "ALERTS#open"


class GroupIdTaken(IdTaken, Conflict):
    """A new group's id is already another change's group (the ids are short): take the next longer one."""


def group_key(group_id: str) -> dict[str, str]:
    return {"pk": f"ALERTGROUP#{group_id}", "sk": "META"}


def latest_key(key: str) -> dict[str, str]:
    return {"pk": f"ALERTKEY#{key or '*'}", "sk": "LATEST"}


def _index_key(group: AlertGroup) -> str:
    if group.status is AlertStatus.OPEN:
        return OPEN_INDEX_KEY
    return f"ALERTS#closed#{group.opened_at:%Y-%m}"


def _note_to_item(note: AlertNote) -> Item:
    return {key: value for key, value in vars(note).items() if value not in (None, "", 0, False)} | {
        "kind": note.kind.value
    }


def _note_from_item(item: Item) -> AlertNote:
    values = {**item, "kind": NoteKind(item["kind"])}
    for name in ("firing", "alarms"):
        values[name] = int(values.get(name, 0))
    return AlertNote(**values)


def _line_to_item(line: AlertLine) -> Item:
    return {"key": line.key, "at": iso(line.at), "name": line.name, "state": line.state, "reason": line.reason}


def _line_from_item(item: Item) -> AlertLine:
    return AlertLine(
        key=item["key"], at=_time(item["at"]), name=item["name"], state=item["state"], reason=item.get("reason", "")
    )


def _owed_to_item(owed: Owed) -> Item:
    item: Item = {"duty": owed.duty.value, "until": iso(owed.until)}
    if owed.note:
        item["note"] = _note_to_item(owed.note)
    if owed.line:
        item["line"] = _line_to_item(owed.line)
    return item


def _alarm_to_item(alarm: AlertAlarm) -> Item:
    values = {**vars(alarm), "priority": alarm.priority.value}
    values.update(changed_at=iso(alarm.changed_at), first_fired_at=iso(alarm.first_fired_at))
    return {key: value for key, value in values.items() if value not in (None, "")}


def _alarm_from_item(item: Item) -> AlertAlarm:
    return AlertAlarm(
        **{**item, "priority": Priority(item.get("priority", "normal"))}
        | {"changed_at": _time(item["changed_at"]), "first_fired_at": _time(item["first_fired_at"])}
    )


def group_to_item(group: AlertGroup) -> Item:
    return {
        **group_key(group.id),
        "gsi1pk": _index_key(group),
        "gsi1sk": iso(group.opened_at),
        "id": group.id,
        "key": group.key,
        "title": group.title,
        "source_key": group.source_key,
        "status": group.status.value,
        "opened_at": iso(group.opened_at),
        "last_alert_at": iso(group.last_alert_at),
        "alarms": [_alarm_to_item(alarm) for alarm in group.alarms],
        "raised": group.raised,
        "auto_declare": group.auto_declare,
        "incident_id": group.incident_id,
        "decided_by": group.decided_by,
        "decided_at": iso(group.decided_at),
        "reason": group.reason,
        "closed_at": iso(group.closed_at),
        "message_channel": group.message.channel if group.message else None,
        "message_ts": group.message.ts if group.message else None,
        "page": group.page.value,
        # Always a map, even empty: settling removes its keys one by one (a REMOVE needs the map to exist).
        "owed": {owed.key: _owed_to_item(owed) for owed in group.owed},
        "version": group.version,
    }


def group_from_item(item: Item) -> AlertGroup:
    channel, ts = item.get("message_channel"), item.get("message_ts")
    owed = [
        Owed(
            key=key,
            duty=Duty(value["duty"]),
            until=_time(value["until"]),
            note=_note_from_item(value["note"]) if value.get("note") else None,
            line=_line_from_item(value["line"]) if value.get("line") else None,
        )
        for key, value in (item.get("owed") or {}).items()
    ]
    return AlertGroup(
        id=item["id"],
        key=item.get("key", ""),
        title=item.get("title", ""),
        source_key=item.get("source_key", ""),
        opened_at=_time(item["opened_at"]),
        last_alert_at=_time(item["last_alert_at"]),
        status=AlertStatus(item["status"]),
        alarms=tuple(_alarm_from_item(alarm) for alarm in item.get("alarms", [])),
        raised=int(item.get("raised", 0)),
        auto_declare=bool(item.get("auto_declare", False)),
        incident_id=item.get("incident_id"),
        decided_by=item.get("decided_by"),
        decided_at=parse_time(item.get("decided_at")),
        reason=item.get("reason", ""),
        closed_at=parse_time(item.get("closed_at")),
        message=AlertMessage(channel, ts) if channel and ts else None,
        page=PageState(item.get("page", PageState.NONE.value)),
        owed=tuple(sorted(owed, key=lambda owed: owed.key)),
        version=int(item.get("version", 0)),
    )


def _time(value: object) -> datetime:
    moment = parse_time(value)
    if moment is None:
        raise ValueError("stored alert lacks a required time")
    return moment


@dataclass(frozen=True)
class Companion:
    """Another item written in the same transaction as a group (the alarm's state, the key's latest group)."""

    put: dict[str, Any]


class AlertRepository:
    """Reads and conditional writes of alert groups; every read is a key or index lookup."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def get(self, group_id: str) -> AlertGroup:
        item = get_item(self.table, f"ALERTGROUP#{group_id}", "META")
        if item is None:
            raise NotFound(f"There is no alert {group_id}.")
        return group_from_item(item)

    def find(self, group_id: str) -> AlertGroup | None:
        try:
            return self.get(group_id)
        except NotFound:
            return None

    def create(self, group: AlertGroup, line: AlertLine | None, companions: Sequence[Companion] = ()) -> bool:
        """Store a new group with its first change; False if this change already created it.

        Raises GroupIdTaken when the id is another change's group (domain/ids.py: the source key stored
        with each group tells a replay from a collision), Conflict when a companion's condition failed.
        """
        put = {"TableName": self.table, "Item": to_dynamo(group_to_item(group))}
        put["ConditionExpression"] = "attribute_not_exists(pk)"
        try:
            transact([{"Put": put}, *self._line(group, line), *({"Put": c.put} for c in companions)])
        except CancelledTransaction as cancelled:
            if cancelled.failed_at(0):
                stored = self.find(group.id)
                if stored is not None and stored.source_key == group.source_key:
                    return False
            others = range(1 + (line is not None), 1 + (line is not None) + len(companions))
            if cancelled.failed_at(0) and not any(cancelled.failed_at(index) for index in others):
                raise GroupIdTaken(f"{group.id} is another alert's") from cancelled
            raise Conflict("Another alert changed at the same moment.") from cancelled
        return True

    def save(
        self, group: AlertGroup, line: AlertLine | None = None, companions: Sequence[Companion] = ()
    ) -> AlertGroup:
        """Write a changed group if nobody changed it since it was read (Conflict: read again and decide again)."""
        stored = group_to_item(group)
        stored["version"] = group.version + 1
        put = {
            "TableName": self.table,
            "Item": to_dynamo(stored),
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": to_dynamo({":v": group.version}),
        }
        try:
            transact([{"Put": put}, *self._line(group, line), *({"Put": c.put} for c in companions)])
        except CancelledTransaction as cancelled:
            raise Conflict(f"{group.id} changed while it was being worked on.") from cancelled
        return replace(group, version=group.version + 1)

    def settle(
        self,
        group: AlertGroup,
        done: Sequence[str],
        *,
        message: AlertMessage | None = None,
        page: PageState | None = None,
        also: Item | None = None,
    ) -> None:
        """Record follow-ups done (and where the message went), whatever else changed meanwhile; `also` rides along.

        Not conditional: it only removes what this run did and bumps the version, so a run that read the
        group before it retries rather than writing the done follow-ups back.
        """
        names = {f"#k{index}": key for index, key in enumerate(done)}
        values: Item = {":one": 1}
        sets = ["version = version + :one"]
        if message is not None:
            sets += [
                "message_channel = if_not_exists(message_channel, :c)",
                "message_ts = if_not_exists(message_ts, :t)",
            ]
            values.update({":c": message.channel, ":t": message.ts})
        if page is not None:
            sets.append("page = :p")
            values[":p"] = page.value
        expression = "SET " + ", ".join(sets)
        if names:
            expression += " REMOVE " + ", ".join(f"owed.{name}" for name in names)
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_dynamo(group_key(group.id)),
            "UpdateExpression": expression,
            "ExpressionAttributeValues": to_dynamo(values),
        }
        if names:
            update["ExpressionAttributeNames"] = names
        if also is None:
            client().update_item(**update)
        else:
            transact([{"Update": update}, {"Put": {"TableName": self.table, "Item": to_dynamo(also)}}])

    def incident_pointer(self, incident_id: str, group_id: str) -> Companion:
        """Which group an incident was declared from: its page resolves with the incident."""
        item = {"pk": f"INCIDENT#{incident_id}", "sk": "ALERTGROUP", "group_id": group_id}
        return Companion({"TableName": self.table, "Item": to_dynamo(item)})

    def group_of(self, incident_id: str) -> str | None:
        item = get_item(self.table, f"INCIDENT#{incident_id}", "ALERTGROUP")
        return str(item["group_id"]) if item else None

    def lines(self, group_id: str) -> list[AlertLine]:
        """The group's alarm history, oldest first (every page: a flapping storm outgrows one 1 MB query)."""
        values = {":pk": f"ALERTGROUP#{group_id}", ":line": "LINE#"}
        return [_line_from_item(item) for item in query_all(self.table, "pk = :pk AND begins_with(sk, :line)", values)]

    def list_open(self) -> list[AlertGroup]:
        return self._query_index(OPEN_INDEX_KEY)

    def list_closed_in(self, month: str) -> list[AlertGroup]:
        """Groups opened in a month ("yyyy-mm") that are no longer waiting for anyone."""
        return self._query_index(f"ALERTS#closed#{month}")

    def _query_index(self, key: str) -> list[AlertGroup]:
        items = query_all(self.table, "gsi1pk = :k", {":k": key}, index="gsi1")
        return [group_from_item(item) for item in items]

    def _line(self, group: AlertGroup, line: AlertLine | None) -> list[dict[str, Any]]:
        if line is None:
            return []
        item = {"pk": f"ALERTGROUP#{group.id}", "sk": f"LINE#{iso(line.at)}#{line.key}", **_line_to_item(line)}
        return [{"Put": {"TableName": self.table, "Item": to_dynamo(item)}}]

    def latest(self, key: str, group_id: str, previous: str | None) -> Companion:
        """Make `group_id` the latest group of `key`, if the latest is still the one read (`previous`)."""
        put: dict[str, Any] = {
            "TableName": self.table,
            "Item": to_dynamo({**latest_key(key), "group_id": group_id}),
        }
        if previous is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "group_id = :g"
            put["ExpressionAttributeValues"] = to_dynamo({":g": previous})
        return Companion(put)
