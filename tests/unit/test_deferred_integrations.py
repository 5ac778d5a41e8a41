"""A configured integration is built when a flow first uses it, not when the flows are wired at start-up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from opsdesk.domain.paging import Alert, Alerts
from opsdesk.domain.requests import Stage
from opsdesk.domain.tickets import DisabledTracker, Ticket
from opsdesk.integrations.deferred import DeferredAlerts, DeferredTracker

if TYPE_CHECKING:
    from collections.abc import Sequence

T = TypeVar("T")


class Builder(Generic[T]):
    """Stands in for the wiring's cached adapter property, counting how often it is asked."""

    def __init__(self, adapter: T) -> None:
        self.adapter, self.calls = adapter, 0

    def __call__(self) -> T:
        self.calls += 1
        return self.adapter


class RecordingTracker(DisabledTracker):
    enabled = True

    def __init__(self) -> None:
        self.moves: list[tuple[str, Stage]] = []

    def find_by_label(self, label: str, known_ids: Sequence[str] = ()) -> Ticket | None:
        return Ticket("OPS-1", "https://jira.example/browse/OPS-1", label)

    def move(self, key: str, stage: Stage) -> None:
        self.moves.append((key, stage))


class RecordingAlerts(Alerts):
    def __init__(self) -> None:
        self.sent: list[str] = []

    def trigger(self, alert: Alert) -> None:
        self.sent.append(f"trigger {alert.dedup_key}")

    def resolve(self, dedup_key: str) -> None:
        self.sent.append(f"resolve {dedup_key}")


def test_a_deferred_tracker_builds_nothing_until_used_then_forwards_every_call() -> None:
    # GIVEN a deferred tracker over a builder that counts its calls
    tracker = RecordingTracker()
    build = Builder(tracker)
    deferred = DeferredTracker(build)
    # WHEN the flows are wired and ask whether Jira is on
    # THEN nothing is built
    assert deferred.enabled and build.calls == 0
    # WHEN a flow uses it
    found = deferred.find_by_label("opsdesk-req-1")
    deferred.move("OPS-1", Stage.DONE)
    # THEN the real tracker answers
    assert found is not None and found.summary == "opsdesk-req-1"
    assert tracker.moves == [("OPS-1", Stage.DONE)]


def test_deferred_alerts_build_nothing_until_a_page_then_forward_it() -> None:
    alerts = RecordingAlerts()
    build = Builder(alerts)
    deferred = DeferredAlerts(build)
    assert deferred.enabled and build.calls == 0
    deferred.trigger(Alert("INC-1", "Payments down", "opsdesk", datetime(2025, 11, 29, tzinfo=UTC)))
    deferred.resolve("INC-1")
    assert alerts.sent == ["trigger INC-1", "resolve INC-1"]
