"""Support requests and the pointers that find them (by id, by Jira key), in the one table."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import Conflict, NotFound
from opsdesk.domain.requests import Stage, SupportRequest, TicketState
from opsdesk.store.dynamodb import (
    CancelledTransaction,
    IdTaken,
    Item,
    client,
    get_item,
    iso,
    parse_time,
    put_new,
    query_all,
    to_dynamo,
    transact,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

PENDING_TICKETS = "TICKETS#pending"
_KEEP_COMMAND_CLAIMS = timedelta(days=2)  # Lambda retries for up to 6 hours; a trigger_id is never reused


@dataclass(frozen=True)
class CommandClaim:
    """A `/support <text>` run's hold on its trigger_id, and the message it posted once known."""

    claimed_at: datetime
    message_ts: str | None = None


def request_pk(channel: str, ts: str) -> str:
    return f"REQUEST#{channel}#{ts}"


def _index_key(request: SupportRequest) -> str:
    if request.is_open:
        return f"REQUESTS#{request.stage.value}"
    return f"REQUESTS#done#{(request.done_at or request.created_at):%Y-%m}"


def request_to_item(request: SupportRequest) -> Item:
    pending = request.ticket_state is TicketState.PENDING
    return {
        "pk": request_pk(request.channel, request.ts),
        "sk": "META",
        "gsi1pk": _index_key(request),
        "gsi1sk": iso(request.created_at),
        # A sparse index of tickets still to file: triage-sweep retries exactly these.
        "gsi2pk": PENDING_TICKETS if pending else None,
        "gsi2sk": iso(request.created_at) if pending else None,
        "id": request.id,
        "channel": request.channel,
        "ts": request.ts,
        "requester": request.requester,
        "text": request.text,
        "created_at": iso(request.created_at),
        "stage": request.stage.value,
        "stage_since": iso(request.stage_since),
        "seconds_in": dict(request.seconds_in) or None,
        "started_at": iso(request.started_at),
        "done_at": iso(request.done_at),
        "assignee": request.assignee,
        "resolution": request.resolution,
        "panel_ts": request.panel_ts,
        "panel_until": iso(request.panel_until),
        "nudged_at": iso(request.nudged_at),
        "ticket_state": request.ticket_state.value,
        "ticket_key": request.ticket_key,
        "ticket_url": request.ticket_url,
        "ticket_attempts": request.ticket_attempts,
        "ticket_claimed_at": iso(request.ticket_claimed_at),
        "ticket_error": request.ticket_error or None,
        "ticket_requested_by": request.ticket_requested_by,
        "ticket_announced": request.ticket_announced,
        "rating_asked": request.rating_asked,
        "rating": request.rating,
        "rated_at": iso(request.rated_at),
        "message_deleted": request.message_deleted or None,
        "not_a_request_by": request.not_a_request_by,
        "incident_id": request.incident_id,
        "raised_at": iso(request.raised_at),
        "escalated_at": iso(request.escalated_at),
        "raise_posts": list(request.raise_posts) or None,
        "version": request.version,
    }


def request_from_item(item: Item) -> SupportRequest:
    created = parse_time(item["created_at"])
    assert created is not None
    return SupportRequest(
        channel=item["channel"],
        ts=item["ts"],
        requester=item["requester"],
        text=item.get("text", ""),
        created_at=created,
        stage=Stage(item["stage"]),
        stage_since=parse_time(item.get("stage_since")),
        seconds_in={key: int(value) for key, value in (item.get("seconds_in") or {}).items()},
        started_at=parse_time(item.get("started_at")),
        done_at=parse_time(item.get("done_at")),
        assignee=item.get("assignee"),
        resolution=item.get("resolution", ""),
        panel_ts=item.get("panel_ts"),
        panel_until=parse_time(item.get("panel_until")),
        nudged_at=parse_time(item.get("nudged_at")),
        ticket_state=TicketState(item.get("ticket_state", "none")),
        ticket_key=item.get("ticket_key"),
        ticket_url=item.get("ticket_url"),
        ticket_attempts=int(item.get("ticket_attempts", 0)),
        ticket_claimed_at=parse_time(item.get("ticket_claimed_at")),
        ticket_error=item.get("ticket_error") or "",
        ticket_requested_by=item.get("ticket_requested_by"),
        # Requests stored before the flag existed were announced when filed.
        ticket_announced=bool(item.get("ticket_announced", item.get("ticket_state") == "filed")),
        rating_asked=bool(item.get("rating_asked", False)),
        rating=int(item["rating"]) if item.get("rating") is not None else None,
        rated_at=parse_time(item.get("rated_at")),
        message_deleted=bool(item.get("message_deleted", False)),
        id_length=len(str(item.get("id") or "REQ-XXXXX")) - len("REQ-"),
        not_a_request_by=item.get("not_a_request_by"),
        incident_id=item.get("incident_id"),
        raised_at=parse_time(item.get("raised_at")),
        escalated_at=parse_time(item.get("escalated_at")),
        raise_posts=tuple(item.get("raise_posts") or ()),
        version=int(item.get("version", 0)),
    )


class RequestRepository:
    """Reads and conditional writes of support requests; every read is a key or index lookup."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def _put(self, item: Item, condition: str = "attribute_not_exists(pk)") -> dict[str, Any]:
        return {"Put": {"TableName": self.table, "Item": to_dynamo(item), "ConditionExpression": condition}}

    def _pointer(self, key: str, request: SupportRequest) -> Item:
        return {
            "pk": key,
            "sk": "POINTER",
            "request_pk": request_pk(request.channel, request.ts),
            "created_at": iso(request.created_at),
        }

    def create(self, request: SupportRequest) -> bool:
        """Store a new request and its id pointer; False if this message already opened one.

        Raises IdTaken when the id already names another message's request (domain/ids.py).
        """
        try:
            transact(
                [self._put(request_to_item(request)), self._put(self._pointer(f"REQUESTID#{request.id}", request))]
            )
        except CancelledTransaction as cancelled:
            if cancelled.failed_at(0):
                return False
            if cancelled.failed_at(1):
                raise IdTaken(request.id) from cancelled
            raise
        return True

    def save(self, request: SupportRequest, *, add_pointers: Sequence[str] = ()) -> SupportRequest:
        """Write a changed request if nobody changed it since it was read; Conflict otherwise."""
        stored = request_to_item(request)
        stored["version"] = request.version + 1
        put = self._put(stored, "version = :v")
        put["Put"]["ExpressionAttributeValues"] = to_dynamo({":v": request.version})
        writes = [put]
        # A pointer may exist from an earlier, interrupted save of the same ticket: overwrite it.
        writes += [
            {"Put": {"TableName": self.table, "Item": to_dynamo(self._pointer(key, request))}} for key in add_pointers
        ]
        try:
            transact(writes)
        except CancelledTransaction as cancelled:
            raise Conflict(f"{request.id} changed while you were working on it.") from cancelled
        return replace(request, version=request.version + 1)

    def get(self, channel: str, ts: str) -> SupportRequest:
        found = self.find(channel, ts)
        if found is None:
            raise NotFound("That message is not a support request.")
        return found

    def find(self, channel: str, ts: str) -> SupportRequest | None:
        item = get_item(self.table, request_pk(channel, ts), "META")
        return request_from_item(item) if item else None

    def _by_pointer(self, key: str) -> SupportRequest | None:
        pointer = get_item(self.table, key, "POINTER")
        if pointer is None:
            return None
        _, channel, ts = str(pointer["request_pk"]).split("#", 2)
        return self.find(channel, ts)

    def by_id(self, request_id: str) -> SupportRequest:
        found = self._by_pointer(f"REQUESTID#{request_id}")
        if found is None:
            raise NotFound(f"There is no support request {request_id}. Try `/support list`.")
        return found

    def by_ticket(self, key: str) -> SupportRequest | None:
        return self._by_pointer(f"JIRA#{key}")

    def list_stage(self, stage: Stage) -> list[SupportRequest]:
        """Open requests in a stage, oldest first (done ones live in monthly buckets)."""
        return self._query("gsi1", "gsi1pk", f"REQUESTS#{stage.value}")

    def list_done_in(self, month: str) -> list[SupportRequest]:
        return self._query("gsi1", "gsi1pk", f"REQUESTS#done#{month}")

    def pending_tickets(self) -> list[SupportRequest]:
        return self._query("gsi2", "gsi2pk", PENDING_TICKETS)

    def _query(self, index: str, attribute: str, key: str) -> list[SupportRequest]:
        items = query_all(self.table, f"{attribute} = :k", {":k": key}, index=index)
        return [request_from_item(item) for item in items]

    def claim(self, key: str, now: datetime, by: str = "", *, keep: timedelta | None = None) -> bool:
        """Claim a one-off side effect (a board issue posted or taken); False if already claimed.

        A claim kept for `keep` expires then (DynamoDB's TTL), for keys that are never asked about later.
        """
        item: Item = {"pk": f"CLAIM#{key}", "sk": "POINTER", "created_at": iso(now), "by": by}
        if keep is not None:
            item["expires_at"] = int((now + keep).timestamp())
        return put_new(self.table, item)

    def claimant(self, key: str) -> str | None:
        item = get_item(self.table, f"CLAIM#{key}", "POINTER")
        return str(item.get("by") or "") if item else None

    def release(self, key: str) -> None:
        """Give a claim back when its side effect failed, so a later attempt may do it."""
        client().delete_item(TableName=self.table, Key=to_dynamo({"pk": f"CLAIM#{key}", "sk": "POINTER"}))

    def claim_command(self, trigger_id: str, now: datetime, lease: timedelta) -> CommandClaim | None:
        """Hold a command's trigger_id; None while another live run holds it without a message yet.

        A claim older than `lease` that never recorded its message belongs to a run that died
        before posting: it is taken over, so the request is not lost.
        """
        key = f"CLAIM#command:{trigger_id}"
        item = {
            "pk": key,
            "sk": "POINTER",
            "claimed_at": iso(now),
            "claimed_epoch": int(now.timestamp()),
            "expires_at": int((now + _KEEP_COMMAND_CLAIMS).timestamp()),
        }
        condition = "attribute_not_exists(pk) OR (attribute_not_exists(message_ts) AND claimed_epoch < :stale)"
        if put_new(self.table, item, condition, **{":stale": int((now - lease).timestamp())}):
            return CommandClaim(now)
        held = get_item(self.table, key, "POINTER")
        if held is None or not held.get("message_ts"):
            return None
        claimed_at = parse_time(held["claimed_at"])
        assert claimed_at is not None
        return CommandClaim(claimed_at, str(held["message_ts"]))

    def record_command_message(self, trigger_id: str, ts: str) -> None:
        client().update_item(
            TableName=self.table,
            Key=to_dynamo({"pk": f"CLAIM#command:{trigger_id}", "sk": "POINTER"}),
            UpdateExpression="SET message_ts = :ts",
            ExpressionAttributeValues=to_dynamo({":ts": ts}),
        )

    def record_rating(self, request: SupportRequest) -> None:
        """Keep the rating against the engineer as well, so their ratings are one key query."""
        engineer = request.assignee or "unassigned"
        client().put_item(
            TableName=self.table,
            Item=to_dynamo(
                {
                    "pk": f"ENGINEER#{engineer}",
                    "sk": f"RATING#{request.id}",
                    "rating": request.rating,
                    "request_pk": request_pk(request.channel, request.ts),
                    "rated_at": iso(request.rated_at),
                }
            ),
        )
