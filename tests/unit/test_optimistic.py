"""The one optimistic write: read, decide, save if unchanged, re-read on a conflict, give up kindly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from opsdesk import deadline
from opsdesk.domain.errors import Conflict
from opsdesk.flows.optimistic import MAX_PAUSE, Optimistic, jitter

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class Record:
    value: int
    version: int = 0


@dataclass
class VersionedStore:
    """A record saved only at the version it was read at; `interrupt` writes that land between read and save."""

    record: Record = field(default_factory=lambda: Record(0))
    interrupt: list[int] = field(default_factory=list)
    reads: int = 0
    saves: int = 0
    replayed: bool = False

    def read(self) -> Record:
        self.reads += 1
        return self.record

    def save(self, decided: Record) -> Record | None:
        self.saves += 1
        if self.replayed:
            return None
        if self.interrupt:  # someone else saved first
            self.record = Record(self.interrupt.pop(0), self.record.version + 1)
        if decided.version != self.record.version:
            raise Conflict("changed")
        self.record = Record(decided.value, decided.version + 1)
        return self.record


def writes(store: VersionedStore, pauses: list[float], attempts: int = 5) -> Optimistic[Record, Record]:
    return Optimistic(store.read, store.save, "busy: try again", attempts, pauses.append)


def add(amount: int) -> Callable[[Record], Record]:
    return lambda current: Record(current.value + amount, current.version)


def test_a_quiet_write_reads_once_saves_once_and_never_pauses() -> None:
    store, pauses = VersionedStore(), list[float]()
    saved, changed = writes(store, pauses).apply(add(5))
    assert (saved.value, changed) == (5, True)
    assert (store.reads, store.saves, pauses) == (1, 1, [])


def test_a_write_that_loses_a_race_decides_again_on_the_winners_record() -> None:
    # GIVEN two other writers who save between this one's read and its save
    store, pauses = VersionedStore(interrupt=[10, 20]), list[float]()
    # WHEN it adds 5
    saved, changed = writes(store, pauses).apply(add(5))
    # THEN the 5 is added to what the last winner stored, after two jittered pauses within the ceiling
    assert (saved.value, changed) == (25, True)
    assert store.reads == 3 and len(pauses) == 2
    assert all(0 <= pause <= MAX_PAUSE for pause in pauses)


def test_nothing_to_change_saves_nothing_and_says_so() -> None:
    store, pauses = VersionedStore(record=Record(7, 3)), list[float]()
    stored, changed = writes(store, pauses).apply(lambda current: None)
    assert (stored, changed) == (Record(7, 3), False)
    assert store.saves == 0


def test_a_start_record_spares_the_first_read() -> None:
    store, pauses = VersionedStore(record=Record(1, 2)), list[float]()
    saved, changed = writes(store, pauses).apply(add(1), start=Record(1, 2))
    assert (saved, changed, store.reads) == (Record(2, 3), True, 0)


def test_a_change_an_earlier_delivery_made_returns_what_is_stored_unchanged() -> None:
    store, pauses = VersionedStore(record=Record(4, 1), replayed=True), list[float]()
    stored, changed = writes(store, pauses).apply(add(1))
    assert (stored, changed) == (Record(4, 1), False)


def test_a_record_that_keeps_changing_gives_up_with_the_message_for_the_person() -> None:
    store, pauses = VersionedStore(interrupt=list(range(10))), list[float]()
    with pytest.raises(Conflict, match="busy: try again"):
        writes(store, pauses, attempts=3).apply(add(1))
    assert store.saves == 3 and len(pauses) == 2


def test_no_pause_runs_into_the_invocations_deadline() -> None:
    # GIVEN an invocation with less time left than the deadline's margin, and a record that keeps changing
    store, pauses = VersionedStore(interrupt=list(range(10))), list[float]()
    # WHEN a write loses its first race, THEN it gives up at once instead of pausing into Lambda's timeout
    with deadline.until(deadline.MARGIN_SECONDS - 0.1), pytest.raises(Conflict, match="busy: try again"):
        writes(store, pauses, attempts=25).apply(add(1))
    assert store.saves == 1 and pauses == []


def test_the_pause_ceiling_grows_then_stops_at_the_maximum() -> None:
    assert max(jitter(1) for _ in range(200)) <= 0.02
    assert max(jitter(12) for _ in range(200)) <= MAX_PAUSE
