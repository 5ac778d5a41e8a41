"""Incidents, their timelines and the pointers that find them, in the one table."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import Conflict, NotFound
from opsdesk.domain.incidents import (
    AlarmInfo,
    Announcement,
    EntryKind,
    Followup,
    Incident,
    Priority,
    Source,
    Status,
    TimelineEntry,
)
from opsdesk.domain.public_status import PublicNotice, PublicUpdate
from opsdesk.store.dynamodb import (
    CancelledTransaction,
    IdTaken,
    Item,
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

OPEN_INDEX_KEY = "INCIDENTS#open"


def _index_key(incident: Incident) -> str:
    if incident.is_open:
        return OPEN_INDEX_KEY
    closed = incident.resolved_at or incident.declared_at
    return f"INCIDENTS#closed#{closed:%Y-%m}"


def incident_to_item(incident: Incident) -> Item:
    alarm = incident.alarm
    return {
        "pk": f"INCIDENT#{incident.id}",
        "sk": "META",
        "gsi1pk": _index_key(incident),
        "gsi1sk": iso(incident.declared_at),
        "id": incident.id,
        "title": incident.title,
        "priority": incident.priority.value,
        "status": incident.status.value,
        "source": incident.source.value,
        "service": incident.service,
        "user_impact": incident.user_impact,
        "declared_by": incident.declared_by,
        "declared_at": iso(incident.declared_at),
        "detected_at": iso(incident.detected_at),
        "lead": incident.lead,
        "lead_at": iso(incident.lead_at),
        "comms": incident.comms,
        "last_update_at": iso(incident.last_update_at),
        "last_update_text": incident.last_update_text,
        "last_checkin_at": iso(incident.last_checkin_at),
        "help_called_at": iso(incident.help_called_at),
        "update_reminded_at": iso(incident.update_reminded_at),
        "resolved_at": iso(incident.resolved_at),
        "resolution": incident.resolution,
        "postmortem_due": incident.postmortem_due,
        "participants": sorted(incident.participants) or None,
        "public": _public_to_item(incident.public),
        "request_id": incident.request_id,
        "pending": sorted(incident.pending) or None,
        "owed_entries": sorted(incident.owed_entries) or None,
        "pending_until": iso(incident.pending_until),
        "announcement_channel": incident.announcement.channel if incident.announcement else None,
        "announcement_ts": incident.announcement.ts if incident.announcement else None,
        "alarm": None
        if alarm is None
        else {
            "arn": alarm.arn,
            "name": alarm.name,
            "state": alarm.state,
            "state_changed_at": iso(alarm.state_changed_at),
            "reason": alarm.reason,
            "metric": alarm.metric,
            "threshold": alarm.threshold,
            "region": alarm.region,
            "runbook_url": alarm.runbook_url,
        },
        "version": incident.version,
    }


def _public_to_item(public: PublicNotice | None) -> Item | None:
    if public is None:
        return None
    return {
        "title": public.title,
        "published_at": iso(public.published_at),
        "withdrawn": public.withdrawn,
        "updates": [{"at": iso(update.at), "text": update.text} for update in public.updates],
    }


def _public_from_item(item: Item | None) -> PublicNotice | None:
    if not item:
        return None
    return PublicNotice(
        title=item["title"],
        published_at=_required_time(item["published_at"]),
        updates=tuple(PublicUpdate(_required_time(update["at"]), update["text"]) for update in item.get("updates", [])),
        withdrawn=bool(item.get("withdrawn", False)),
    )


def _required_time(value: object) -> datetime:
    moment = parse_time(value)
    if moment is None:
        raise ValueError("stored incident lacks a required time")
    return moment


def incident_from_item(item: Item) -> Incident:
    alarm = item.get("alarm")
    channel, ts = item.get("announcement_channel"), item.get("announcement_ts")
    return Incident(
        id=item["id"],
        title=item.get("title", ""),
        priority=Priority(item["priority"]),
        status=Status(item["status"]),
        source=Source(item.get("source", "slack")),
        service=item.get("service", ""),
        user_impact=item.get("user_impact", ""),
        declared_by=item["declared_by"],
        declared_at=_required_time(item["declared_at"]),
        detected_at=parse_time(item.get("detected_at")),
        lead=item.get("lead"),
        lead_at=parse_time(item.get("lead_at")),
        comms=item.get("comms"),
        last_update_at=parse_time(item.get("last_update_at")),
        last_update_text=item.get("last_update_text", ""),
        last_checkin_at=parse_time(item.get("last_checkin_at")),
        help_called_at=parse_time(item.get("help_called_at")),
        update_reminded_at=parse_time(item.get("update_reminded_at")),
        resolved_at=parse_time(item.get("resolved_at")),
        resolution=item.get("resolution", ""),
        postmortem_due=bool(item.get("postmortem_due", False)),
        participants=frozenset(item.get("participants", [])),
        public=_public_from_item(item.get("public")),
        request_id=item.get("request_id"),
        pending=frozenset(Followup(value) for value in item.get("pending", [])),
        owed_entries=frozenset(item.get("owed_entries", [])),
        pending_until=parse_time(item.get("pending_until")),
        announcement=Announcement(channel, ts) if channel and ts else None,
        alarm=None
        if not alarm
        else AlarmInfo(
            arn=alarm["arn"],
            name=alarm["name"],
            state=alarm["state"],
            state_changed_at=_required_time(alarm["state_changed_at"]),
            reason=alarm.get("reason", ""),
            metric=alarm.get("metric", ""),
            threshold=alarm.get("threshold", ""),
            region=alarm.get("region", ""),
            runbook_url=alarm.get("runbook_url"),
        ),
        version=int(item.get("version", 0)),
    )


# Entries written since people are kept apart from the words say so; older ones are read verbatim.
ENTRY_FORMAT = 2


def entry_fields(entry: TimelineEntry) -> Item:
    """What an entry stores (also a postmortem's timeline line): the kind, the words, the people."""
    return {
        "kind": entry.kind.value,
        "text": entry.text,
        "actor": entry.actor,
        "subject": entry.subject,
        "priority": entry.priority.value if entry.priority else None,
        "format": ENTRY_FORMAT,
    }


def entry_values(item: Item) -> dict[str, Any]:
    """An entry's stored fields as TimelineEntry (and DraftEntry) take them."""
    priority = item.get("priority")
    return {
        "at": _required_time(item["at"]),
        "kind": EntryKind(item["kind"]),
        "text": item.get("text", ""),
        "actor": item.get("actor"),
        "subject": item.get("subject"),
        "priority": Priority(priority) if priority else None,
        "verbatim": "format" not in item,
    }


def entry_to_item(incident_id: str, entry: TimelineEntry) -> Item:
    return {
        "pk": f"INCIDENT#{incident_id}",
        "sk": entry.sort_key,
        "at": iso(entry.at),
        **entry_fields(entry),
        "source_key": entry.source_key,
    }


def entry_from_item(item: Item) -> TimelineEntry:
    return TimelineEntry(**entry_values(item), source_key=item.get("source_key", ""))


@dataclass(frozen=True)
class Pointer:
    """A unique lookup key (an alarm, a Slack thread) naming an incident."""

    key: str
    incident_id: str


class IncidentRepository:
    """Reads and conditional writes of incidents; every read is a key or index lookup."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def _put(self, item: Item, condition: str | None = "attribute_not_exists(pk)") -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self.table, "Item": to_dynamo(item)}
        if condition:
            put["ConditionExpression"] = condition
        return {"Put": put}

    def _entry_put(self, incident_id: str, entry: TimelineEntry) -> dict[str, Any]:
        return self._put(entry_to_item(incident_id, entry), "attribute_not_exists(sk)")

    def _once_put(self, incident_id: str, entry: TimelineEntry) -> dict[str, Any]:
        """A marker of the change itself: its entry's key holds its time, which a replay's clock may not repeat."""
        marker = {"pk": f"INCIDENT#{incident_id}", "sk": f"ONCE#{entry.kind.value}#{entry.source_key}"}
        return self._put({**marker, "entry": entry.sort_key}, "attribute_not_exists(sk)")

    def create(self, incident: Incident, entry: TimelineEntry, pointers: Sequence[Pointer] = ()) -> bool:
        """Store a new incident with its first timeline entry; False if this source already created it.

        Raises IdTaken when the id is another source's incident (domain/ids.py): the marker of the
        declaring change, stored with it, tells a replay from a collision.
        """
        writes = [self._put(incident_to_item(incident)), self._entry_put(incident.id, entry)]
        writes.append(self._once_put(incident.id, entry))
        writes += [self._put(self._pointer_item(pointer, incident.declared_at)) for pointer in pointers]
        try:
            transact(writes)
        except CancelledTransaction as cancelled:
            if cancelled.failed_at(0):
                if self._created_by(incident.id, entry):
                    return False
                raise IdTaken(incident.id) from cancelled
            if any(cancelled.failed_at(3 + index) for index in range(len(pointers))):
                raise Conflict("Another incident is already open for this.") from cancelled
            raise
        return True

    def _created_by(self, incident_id: str, entry: TimelineEntry) -> bool:
        """Whether the stored incident `incident_id` was created by the change `entry` records."""
        if get_item(self.table, f"INCIDENT#{incident_id}", f"ONCE#{entry.kind.value}#{entry.source_key}"):
            return True
        # Incidents stored before the marker existed: their declaring entry carries the source key.
        return any(stored.source_key == entry.source_key for stored in self.timeline(incident_id))

    def save(
        self,
        incident: Incident,
        entries: Sequence[TimelineEntry] = (),
        *,
        add_pointers: Sequence[Pointer] = (),
        drop_pointers: Sequence[str] = (),
    ) -> Incident:
        """Write a changed incident if nobody else changed it since it was read.

        Raises Conflict when the stored version moved on (reload and decide again);
        returns the stored incident unchanged when an entry was already recorded,
        because that means this exact change was applied by an earlier delivery.
        """
        stored = incident_to_item(incident)
        stored["version"] = incident.version + 1
        writes = [self._put(stored, "version = :v")]
        writes[0]["Put"]["ExpressionAttributeValues"] = to_dynamo({":v": incident.version})
        writes += [self._entry_put(incident.id, entry) for entry in entries]
        writes += [self._once_put(incident.id, entry) for entry in entries]
        writes += [self._put(self._pointer_item(pointer, incident.declared_at)) for pointer in add_pointers]
        writes += [
            {"Delete": {"TableName": self.table, "Key": to_dynamo({"pk": key, "sk": "POINTER"})}}
            for key in drop_pointers
        ]
        try:
            transact(writes)
        except CancelledTransaction as cancelled:
            if any(cancelled.failed_at(1 + index) for index in range(2 * len(entries))):
                raise AlreadyApplied(incident.id) from cancelled
            raise Conflict(f"{incident.id} changed while you were working on it.") from cancelled
        return _bump(incident)

    def get(self, incident_id: str) -> Incident:
        item = get_item(self.table, f"INCIDENT#{incident_id}", "META")
        if item is None:
            raise NotFound(f"There is no incident {incident_id}. Try `/incident list`.")
        return incident_from_item(item)

    def find(self, incident_id: str) -> Incident | None:
        try:
            return self.get(incident_id)
        except NotFound:
            return None

    def list_open(self) -> list[Incident]:
        return self._query_index(OPEN_INDEX_KEY)

    def list_closed_in(self, month: str) -> list[Incident]:
        return self._query_index(f"INCIDENTS#closed#{month}")

    def _query_index(self, key: str) -> list[Incident]:
        return [incident_from_item(item) for item in query_all(self.table, "gsi1pk = :k", {":k": key}, index="gsi1")]

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        # Every page: a long incident (flapping alarm, hourly check-ins, pins) outgrows one 1 MB query.
        values = {":pk": f"INCIDENT#{incident_id}", ":tl": "TL#"}
        return [entry_from_item(item) for item in query_all(self.table, "pk = :pk AND begins_with(sk, :tl)", values)]

    def pointer(self, key: str) -> str | None:
        item = get_item(self.table, key, "POINTER")
        return str(item["incident_id"]) if item else None

    def _pointer_item(self, pointer: Pointer, at: datetime) -> Item:
        return {"pk": pointer.key, "sk": "POINTER", "incident_id": pointer.incident_id, "created_at": iso(at)}


class AlreadyApplied(Exception):  # a signal, not a failure
    """This exact change was recorded by an earlier delivery of the same event."""


def _bump(incident: Incident) -> Incident:
    return replace(incident, version=incident.version + 1)
