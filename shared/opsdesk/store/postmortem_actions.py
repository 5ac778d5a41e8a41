"""Postmortem action items, stored under their postmortem; open ones with a due date are indexed by it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from opsdesk.domain.errors import Conflict
from opsdesk.domain.postmortems import ActionItem, ActionPriority
from opsdesk.store.dynamodb import (
    Item,
    client,
    from_dynamo,
    get_item,
    is_conditional_failure,
    iso,
    parse_time,
    put_new,
    query_all,
    to_dynamo,
)

if TYPE_CHECKING:
    from datetime import datetime

# Open action items with a due date, by due date: the overdue sweep reads only these.
OPEN_ACTIONS_INDEX = "POSTMORTEM_ACTIONS#open"
# Open action items with no due date, by the day their owner is next reminded: the weekly reminders read these.
UNDATED_ACTIONS_INDEX = "POSTMORTEM_ACTIONS#undated"
# How long one click owns "raising the Jira ticket" before another may take over: longer than Jira's 10 s timeout
# plus Jira Cloud's search index lag, so the next attempt finds an issue a timed-out one created.
TICKET_LEASE = timedelta(minutes=2)


def postmortem_key(incident_id: str) -> str:
    return f"POSTMORTEM#{incident_id}"


def _action_key(incident_id: str, number: int) -> dict[str, Any]:
    return to_dynamo({"pk": postmortem_key(incident_id), "sk": f"ACTION#{number:04d}"})


def _index(incident_id: str, action: ActionItem) -> tuple[str | None, str | None]:
    """Where an open action waits: by due date (overdue reminders), or by its next weekly reminder (no due date)."""
    if action.done:
        return None, None
    if action.due is not None:
        return OPEN_ACTIONS_INDEX, f"{action.due.isoformat()}#{incident_id}#{action.number}"
    return UNDATED_ACTIONS_INDEX, _undated_sk(incident_id, action)


def _undated_sk(incident_id: str, action: ActionItem) -> str:
    remind_on = action.next_undated_reminder()
    return f"{remind_on.isoformat() if remind_on else ''}#{incident_id}#{action.number}"


def action_to_item(incident_id: str, action: ActionItem) -> Item:
    index_pk, index_sk = _index(incident_id, action)
    return {
        "pk": postmortem_key(incident_id),
        "sk": f"ACTION#{action.number:04d}",
        "gsi2pk": index_pk,
        "gsi2sk": index_sk,
        "incident_id": incident_id,
        "number": action.number,
        "description": action.description,
        "owner": action.owner,
        "priority": action.priority.value,
        "created_at": iso(action.created_at),
        "due": action.due.isoformat() if action.due else None,
        "ticket_key": action.ticket_key,
        "done": action.done,
        "done_at": iso(action.done_at),
        "done_by": action.done_by,
        "reminded_at": iso(action.reminded_at),
    }


def action_from_item(item: Item) -> ActionItem:
    created_at = parse_time(item["created_at"])
    if created_at is None:
        raise ValueError("stored action item lacks created_at")
    return ActionItem(
        number=int(item["number"]),
        description=item["description"],
        owner=item["owner"],
        priority=ActionPriority(item["priority"]),
        created_at=created_at,
        due=date.fromisoformat(item["due"]) if item.get("due") else None,
        ticket_key=item.get("ticket_key", ""),
        done=bool(item.get("done", False)),
        done_at=parse_time(item.get("done_at")),
        done_by=item.get("done_by", ""),
        reminded_at=parse_time(item.get("reminded_at")),
    )


class ActionRepository:
    """Action items: numbered by conditional puts, changed by conditional updates (never read-modify-put)."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def list_for(self, incident_id: str) -> list[ActionItem]:
        values = {":pk": postmortem_key(incident_id), ":a": "ACTION#"}
        return [action_from_item(item) for item in query_all(self.table, "pk = :pk AND begins_with(sk, :a)", values)]

    def find(self, incident_id: str, number: int) -> ActionItem | None:
        item = get_item(self.table, postmortem_key(incident_id), f"ACTION#{number:04d}")
        return action_from_item(item) if item else None

    def open_due_before(self, day: date) -> list[tuple[str, ActionItem]]:
        """Open action items due before `day`, with their incident ids (an index range query)."""
        values = {":k": OPEN_ACTIONS_INDEX, ":b": day.isoformat()}
        items = query_all(self.table, "gsi2pk = :k AND gsi2sk < :b", values, index="gsi2")
        return [(str(item["incident_id"]), action_from_item(item)) for item in items]

    def undated_due_by(self, day: date) -> list[tuple[str, ActionItem]]:
        """Open action items with no due date whose weekly reminder is due on or before `day` (an index range)."""
        values = {":k": UNDATED_ACTIONS_INDEX, ":b": (day + timedelta(days=1)).isoformat()}
        items = query_all(self.table, "gsi2pk = :k AND gsi2sk < :b", values, index="gsi2")
        return [(str(item["incident_id"]), action_from_item(item)) for item in items]

    def mark_reminded(self, incident_id: str, action: ActionItem, at: datetime) -> ActionItem | None:
        """Record a weekly reminder (and when the next is due) if nobody did since `action` was read; else None."""
        reminded = replace(action, reminded_at=at)
        return self._update(
            incident_id,
            action.number,
            "SET reminded_at = :at, gsi2sk = :next",
            "done = :f AND gsi2pk = :k AND gsi2sk = :seen",
            {
                ":at": iso(at),
                ":next": _undated_sk(incident_id, reminded),
                ":f": False,
                ":k": UNDATED_ACTIONS_INDEX,
                ":seen": _undated_sk(incident_id, action),
            },
        )

    def unmark_reminded(self, incident_id: str, before: ActionItem, marked: ActionItem) -> None:
        """The reminder did not go out: put the item back as it was, so the next run reminds its owner."""
        expression = "SET gsi2sk = :seen" + (", reminded_at = :at" if before.reminded_at else " REMOVE reminded_at")
        values: dict[str, Any] = {":seen": _undated_sk(incident_id, before), ":now": _undated_sk(incident_id, marked)}
        if before.reminded_at:
            values[":at"] = iso(before.reminded_at)
        self._update(incident_id, before.number, expression, "gsi2sk = :now", values)

    def next_number(self, incident_id: str) -> int:
        """The number the next action item of this postmortem takes (one past the highest)."""
        return max((existing.number for existing in self.list_for(incident_id)), default=0) + 1

    def add(self, incident_id: str, action: ActionItem) -> ActionItem:
        """Store an action item under its number if that is still free; Conflict when another took it first."""
        if not put_new(self.table, action_to_item(incident_id, action), "attribute_not_exists(sk)"):
            raise Conflict(f"Action {action.number} of {incident_id} was just added by someone else.")
        return action

    def mark_done(self, incident_id: str, number: int, by: str, at: datetime) -> ActionItem | None:
        """Mark an open item done and take it off the overdue index; None if it was already done (or is missing)."""
        return self._update(
            incident_id,
            number,
            "SET done = :t, done_at = :at, done_by = :by REMOVE gsi2pk, gsi2sk",
            "attribute_exists(sk) AND done = :f",
            {":t": True, ":f": False, ":at": iso(at), ":by": by},
        )

    def claim_ticket(self, incident_id: str, number: int, now: datetime) -> int | None:
        """Take the lease on raising this item's ticket; return which attempt this is, or None if it has a ticket
        or another click holds the lease."""
        try:
            response = client().update_item(
                TableName=self.table,
                Key=_action_key(incident_id, number),
                UpdateExpression="SET ticket_lease_until = :until ADD ticket_attempts :one",
                ConditionExpression="attribute_exists(sk) AND attribute_not_exists(ticket_key)"
                " AND (attribute_not_exists(ticket_lease_until) OR ticket_lease_until < :now)",
                ExpressionAttributeValues=to_dynamo({":until": iso(now + TICKET_LEASE), ":now": iso(now), ":one": 1}),
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return None
            raise
        return int(from_dynamo(response["Attributes"])["ticket_attempts"])

    def release_ticket(self, incident_id: str, number: int) -> None:
        """Give the lease back after Jira refused (nothing was created), so the next click can try at once."""
        self._update(incident_id, number, "REMOVE ticket_lease_until", "attribute_exists(sk)", {})

    def set_ticket(self, incident_id: str, number: int, key: str) -> ActionItem:
        """Record the ticket once; a later call keeps the first key."""
        saved = self._update(
            incident_id,
            number,
            "SET ticket_key = :k REMOVE ticket_lease_until",
            "attribute_exists(sk) AND attribute_not_exists(ticket_key)",
            {":k": key},
        )
        found = saved or self.find(incident_id, number)
        if found is None:
            raise Conflict(f"Action {number} of {incident_id} disappeared while its ticket was raised.")
        return found

    def _update(
        self, incident_id: str, number: int, expression: str, condition: str, values: dict[str, Any]
    ) -> ActionItem | None:
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": _action_key(incident_id, number),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ReturnValues": "ALL_NEW",
        }
        if values:
            request["ExpressionAttributeValues"] = to_dynamo(values)
        try:
            response = client().update_item(**request)
        except ClientError as error:
            if is_conditional_failure(error):
                return None
            raise
        return action_from_item(from_dynamo(response["Attributes"]))
