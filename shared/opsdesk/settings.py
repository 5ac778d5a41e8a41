"""Settings, validated once from the environment so a missing one fails loudly at start."""

from __future__ import annotations

import os
from datetime import timedelta
from functools import cached_property, lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from opsdesk.domain.clock import SupportHours, parse_hours
from opsdesk.domain.incidents import Priority

SLACK_API_DEFAULT = "https://slack.com/api/"


def _split_ids(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list | tuple):
        return tuple(str(part) for part in value)
    raise TypeError("expected a comma-separated list of Slack ids")


class Settings(BaseModel):
    """Everything opsdesk reads from its environment (see docs/architecture.md)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    table_name: str = Field(min_length=1)
    ops_channel_id: str = Field(min_length=1)
    team_channel_id: str = Field(min_length=1)
    support_team_ids: tuple[str, ...] = ()
    product_manager_id: str = ""
    leadership_ids: tuple[str, ...] = ()
    timezone: str = "Europe/London"
    support_hours: str = "08:00-18:00"
    holiday_calendar: str = "GB-ENG"
    triage_minutes: int = Field(default=15, gt=0)
    # A request nobody has taken is raised to whoever is on support after this much support-hours time,
    # then to the whole support team.
    untaken_minutes: int = Field(default=10, gt=0)
    untaken_team_minutes: int = Field(default=30, gt=0)
    checkin_minutes: int = Field(default=60, gt=0)
    # "Giving updates at regular schedules": comms is reminded after this long without an update.
    update_minutes_high: int = Field(default=30, gt=0)
    update_minutes_normal: int = Field(default=120, gt=0)
    slack_api_url: str = SLACK_API_DEFAULT
    jira_url: str = ""
    jira_project: str = "OPS"
    jira_email: str = ""
    # auto: read serverInfo once per container (see opsdesk.integrations.jira); cloud|datacenter to say so instead.
    jira_deployment: Literal["auto", "cloud", "datacenter"] = "auto"
    confluence_url: str = ""
    confluence_space: str = ""
    paging_enabled: bool = False
    paging_out_of_hours: str = "weekends"
    pagerduty_events_url: str = "https://events.pagerduty.com/v2/enqueue"
    alarm_routes: str = ""
    # EventBridge intake's opt-in (template.yaml's AlarmNamePrefixes), checked again in the function.
    alarm_name_prefixes: tuple[str, ...] = ()
    # Alerts within this many minutes of an open group's last alert join it: a storm is one conversation.
    alert_group_minutes: int = Field(default=10, gt=0)
    # Who among incidents the leadership contacts hear about: high priority only (the weekly report has the rest),
    # or all of them.
    leadership_notify: Literal["high", "all"] = "high"
    public_base_url: str = ""
    # The service names the public status page may show (comma-separated); any other service is never named.
    public_services: tuple[str, ...] = ()
    lazy_mode: str = "lambda"

    @field_validator("support_team_ids", "leadership_ids", "alarm_name_prefixes", "public_services", mode="before")
    @classmethod
    def _ids(cls, value: object) -> tuple[str, ...]:
        return _split_ids(value)

    @field_validator("support_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @field_validator("holiday_calendar")
    @classmethod
    def _calendar(cls, value: str) -> str:
        SupportHours(calendar=value)  # refuses a calendar opsdesk does not know
        return value

    @model_validator(mode="after")
    def _team_after_on_duty(self) -> Settings:
        if self.untaken_team_minutes <= self.untaken_minutes:
            raise ValueError(
                f"UNTAKEN_TEAM_MINUTES ({self.untaken_team_minutes}) must be more than "
                f"UNTAKEN_MINUTES ({self.untaken_minutes}): the whole team hears after whoever is on support"
            )
        return self

    @field_validator("slack_api_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        return value if value.endswith("/") else f"{value}/"

    @cached_property
    def hours(self) -> SupportHours:
        opens, closes = parse_hours(self.support_hours)
        return SupportHours(timezone=self.timezone, opens=opens, closes=closes, calendar=self.holiday_calendar)

    @property
    def triage_after(self) -> timedelta:
        return timedelta(minutes=self.triage_minutes)

    @property
    def untaken_after(self) -> timedelta:
        return timedelta(minutes=self.untaken_minutes)

    @property
    def untaken_team_after(self) -> timedelta:
        return timedelta(minutes=self.untaken_team_minutes)

    @property
    def checkin_every(self) -> timedelta:
        return timedelta(minutes=self.checkin_minutes)

    @property
    def update_every(self) -> dict[Priority, timedelta]:
        """How long an open incident may go without an update, by priority, before comms is reminded."""
        return {
            Priority.HIGH: timedelta(minutes=self.update_minutes_high),
            Priority.NORMAL: timedelta(minutes=self.update_minutes_normal),
        }

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Settings:
        source = os.environ if environ is None else environ
        names = {name: source[name.upper()] for name in cls.model_fields if name.upper() in source}
        if "OPSDESK_LAZY_MODE" in source:
            names["lazy_mode"] = source["OPSDESK_LAZY_MODE"]
        return cls.model_validate(names)


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings (read once per Lambda container)."""
    return Settings.from_environment()
