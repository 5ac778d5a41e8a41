"""The job registry and the tick that EventBridge Scheduler sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from collections.abc import Callable

    from opsdesk.wiring import Wiring


class Tick(BaseModel):
    """The schedule's Input, placeholders filled in: the job and its scheduled time."""

    model_config = ConfigDict(extra="ignore")

    job: str = Field(min_length=1)
    time: datetime
    schedule_arn: str = ""
    attempt_number: str = "1"

    @field_validator("time")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        # Scheduler sends the moment it fired. A time far from any such moment (year 1, 9999) would break the
        # jobs' date arithmetic (London days, weeks) deep inside, so it is refused here, by name.
        if not 2000 <= value.year <= 2999:
            raise ValueError("a tick's time is when Scheduler fired it, so in the years 2000 to 2999")
        return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Job:
    """A scheduled job; `once_per` names its slot (None: the job is idempotent on its own)."""

    name: str
    run: Callable[[Wiring, datetime], dict[str, object]]
    once_per: Callable[[Wiring, datetime], str] | None = None


JOBS: dict[str, Job] = {}


def job(name: str, *, once_per: Callable[[Wiring, datetime], str] | None = None) -> Callable[..., object]:
    """Register a function as the job `name`."""

    def register(function: Callable[[Wiring, datetime], dict[str, object]]) -> Callable[..., object]:
        JOBS[name] = Job(name, function, once_per)
        return function

    return register


def local_day(wiring: Wiring, now: datetime) -> str:
    """A slot per working day in London: what daily jobs claim."""
    return wiring.settings.hours.local(now).date().isoformat()
