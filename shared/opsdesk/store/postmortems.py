"""Postmortems and their action items in the one table; reads are key or index queries only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import Conflict, NotFound
from opsdesk.domain.postmortems import DraftEntry, Postmortem, Stage
from opsdesk.store.dynamodb import (
    CancelledTransaction,
    Item,
    get_item,
    iso,
    parse_time,
    put_new,
    query_all,
    to_dynamo,
    transact,
)
from opsdesk.store.incidents import entry_fields, entry_values
from opsdesk.store.postmortem_actions import ActionRepository, postmortem_key

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.domain.postmortems import ActionItem

PUBLISHED_INDEX = "POSTMORTEMS#published"
OPEN_INDEX = "POSTMORTEMS#open"
# How long a modal submission's id is remembered: far longer than Slack or Lambda would replay it.
_KEEP_EDIT_CLAIMS = timedelta(days=30)
_pk = postmortem_key


def _line_to_item(line: DraftEntry) -> Item:
    item: Item = {"at": iso(line.at), **{key: value for key, value in entry_fields(line).items() if value is not None}}
    if line.withheld:
        item["withheld"] = True
    return item


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
        "timeline": [_line_to_item(line) for line in postmortem.timeline],
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
        "edited_at": iso(postmortem.edited_at),
        "edited_by": postmortem.edited_by,
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
            DraftEntry(**entry_values(line), withheld=bool(line.get("withheld"))) for line in item.get("timeline", [])
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
        edited_at=parse_time(item.get("edited_at")),
        edited_by=item.get("edited_by", ""),
        version=int(item.get("version", 0)),
    )


class PostmortemRepository:
    """Postmortem reads and conditional writes; its action items through `action_items`."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name
        self.action_items = ActionRepository(table_name)

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

    def save_once(self, postmortem: Postmortem, claim: str, at: datetime) -> Postmortem | None:
        """Write if still at `postmortem.version`, at most once per claim (e.g. a modal's view id).

        Returns the stored postmortem, or None when this claim was already applied (a replay);
        raises Conflict when somebody else saved first.
        """
        item = postmortem_to_item(postmortem)
        item["version"] = postmortem.version + 1
        marker: Item = {
            "pk": _pk(postmortem.incident_id),
            "sk": f"CLAIM#{claim}",
            "at": iso(at),
            "expires_at": int((at + _KEEP_EDIT_CLAIMS).timestamp()),
        }
        writes: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_dynamo(item),
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": to_dynamo({":v": postmortem.version}),
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_dynamo(marker),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
        try:
            transact(writes)
        except CancelledTransaction as cancelled:
            if cancelled.failed_at(1):
                return None
            raise Conflict(f"Somebody else saved the postmortem for {postmortem.incident_id} first.") from cancelled
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
        return self._by_index(PUBLISHED_INDEX)

    def list_open(self) -> list[Postmortem]:
        return self._by_index(OPEN_INDEX)

    def actions(self, incident_id: str) -> list[ActionItem]:
        return self.action_items.list_for(incident_id)

    def _by_index(self, key: str) -> list[Postmortem]:
        items = query_all(self.table, "gsi1pk = :k", {":k": key}, index="gsi1")
        return [postmortem_from_item(item) for item in items]
