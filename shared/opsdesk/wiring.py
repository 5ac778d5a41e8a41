"""The composition root: the one place that builds opsdesk's objects and connects them, once per container.

Everything long-lived is built here from three things: the settings, the credentials and a clock.
Repositories, Slack's clients and notifiers, the integrations and the flows are each built once, on
first use, and each flow is handed its collaborators in its constructor; no flow or listener reaches
into this module. The incident flows are built first and their observers (postmortems, paging)
after, then attached: an observer needs the flows, never the reverse, so no import goes in a circle.
The entry points (`entrypoints.py`) hand the wiring to a handler's work: the Slack app's listeners are
bound to the collaborators they name (slack/routing.py), a schedule's job or a webhook calls one flow.
A flow's module is imported where the flow is built, so a function's cold start loads only the flows
its handler reaches (the Pages function none, the Alarms function no support desk), and an
integration is built only when a flow first calls it (`integrations/deferred.py`), so answering Slack
loads no Jira, PagerDuty or Confluence code. Tests build the same wiring with their own clock and
stand-in URLs (`entrypoints.wiring().now = clock`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from opsdesk.flows.incidents import IncidentFlows, IncidentRunner
from opsdesk.integrations.deferred import Integrations
from opsdesk.slack.access import ChannelAccess, client_after_the_ack, client_on_the_ack_path, own_channels
from opsdesk.slack.day_notifier import SlackDayNotifier
from opsdesk.slack.home import HomeTab
from opsdesk.slack.notifier import SlackIncidentNotifier
from opsdesk.slack.people import SlackPeople
from opsdesk.slack.support_notifier import SlackSupportNotifier
from opsdesk.slack.team import SlackTeam
from opsdesk.store.incidents import IncidentRepository

if TYPE_CHECKING:
    from collections.abc import Callable

    from opsdesk.flows.alarms import AlarmFlows
    from opsdesk.flows.alerts import AlertDecisions
    from opsdesk.flows.checkins import CheckIns
    from opsdesk.flows.day import WorkingDay
    from opsdesk.flows.paging import Paging
    from opsdesk.flows.postmortem_actions import PostmortemActions
    from opsdesk.flows.postmortem_publishing import PostmortemPublishing
    from opsdesk.flows.postmortems import PostmortemFlows
    from opsdesk.flows.public_status import PublicStatus
    from opsdesk.flows.rota import Rota
    from opsdesk.flows.stats import Stats
    from opsdesk.flows.support import SupportDesk
    from opsdesk.flows.tickets import Tickets
    from opsdesk.flows.waiting import Waiting
    from opsdesk.secrets import Secrets
    from opsdesk.settings import Settings
    from opsdesk.slack.access import WatchedWebClient
    from opsdesk.slack.client import CurrentTokenClient
    from opsdesk.store.postmortems import PostmortemRepository
    from opsdesk.store.requests import RequestRepository
    from opsdesk.store.rota import RotaRepository


def utc_now() -> datetime:
    return datetime.now(UTC)


class Wiring:
    """Every long-lived object of one container, each built on first use and connected to what it needs."""

    def __init__(self, settings: Settings, secrets: Secrets, now: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.secrets = secrets
        self.now = now
        self.integrations = Integrations(settings, secrets)

    def clock(self) -> datetime:
        """Now, read late: a clock swapped in after start-up (tests travelling in time) is the one used."""
        return self.now()

    # ---- Slack
    @cached_property
    def slack(self) -> WatchedWebClient:
        """For work after the ack: retries rate limits (it may sleep for Retry-After); channel refusals are logged."""
        base_url = self.settings.slack_api_url
        return client_after_the_ack(
            self.bot_token, self._refresh_bot_token, base_url=base_url, access=self.channel_access
        )

    @cached_property
    def slack_ack(self) -> CurrentTokenClient:
        """For the 3-second path (views.open): never sleeps on a rate limit."""
        return client_on_the_ack_path(self.bot_token, self._refresh_bot_token, base_url=self.settings.slack_api_url)

    @cached_property
    def channel_access(self) -> ChannelAccess:
        """Which of opsdesk's channels it is not in: logged once per container, shown on the App Home."""
        return ChannelAccess(own_channels(self.settings))

    def bot_token(self) -> str:
        return self.secrets.slack_bot_token

    def _refresh_bot_token(self) -> None:
        self.secrets.refresh("slack_bot_token")

    @cached_property
    def team(self) -> SlackTeam:
        return SlackTeam(self.settings.support_team_ids, self.slack)

    @cached_property
    def people(self) -> SlackPeople:
        return SlackPeople(self.slack)

    @cached_property
    def status_url(self) -> str:
        base = self.settings.public_base_url.rstrip("/")
        return f"{base}/status" if base else ""

    @cached_property
    def incident_notifier(self) -> SlackIncidentNotifier:
        settings = self.settings
        return SlackIncidentNotifier(
            self.slack,
            settings.ops_channel_id,
            settings.leadership_ids,
            self.status_url,
            leadership_notify=settings.leadership_notify,
        )

    @cached_property
    def support_notifier(self) -> SlackSupportNotifier:
        settings = self.settings
        return SlackSupportNotifier(
            self.slack,
            self.people,
            ops_channel=settings.ops_channel_id,
            team_channel=settings.team_channel_id,
            team_ids=settings.support_team_ids,
            product_manager=settings.product_manager_id,
            paging=settings.paging_out_of_hours if settings.paging_enabled else "",
            triage_minutes=settings.triage_minutes,
        )

    @cached_property
    def home(self) -> HomeTab:
        return HomeTab(self.slack, self.channel_access, self.settings.checkin_every)

    @cached_property
    def day_notifier(self) -> SlackDayNotifier:
        return SlackDayNotifier(self.slack, self.settings.team_channel_id)

    # ---- the table
    @cached_property
    def incident_repository(self) -> IncidentRepository:
        return IncidentRepository(self.settings.table_name)

    @cached_property
    def request_repository(self) -> RequestRepository:
        from opsdesk.store.requests import RequestRepository  # noqa: PLC0415  # on first use, see the docstring

        return RequestRepository(self.settings.table_name)

    @cached_property
    def postmortem_repository(self) -> PostmortemRepository:
        from opsdesk.store.postmortems import PostmortemRepository  # noqa: PLC0415  # on first use

        return PostmortemRepository(self.settings.table_name)

    @cached_property
    def rota_repository(self) -> RotaRepository:
        from opsdesk.store.rota import RotaRepository  # noqa: PLC0415  # on first use

        return RotaRepository(self.settings.table_name)

    # ---- flows (each module imported by the first handler that reaches it)
    @cached_property
    def _incident_flows(self) -> tuple[IncidentFlows, IncidentRunner, PostmortemFlows, Paging]:
        """The incident flows, then the observers that watch them, attached once both exist."""
        from opsdesk.flows.paging import Paging  # noqa: PLC0415  # on first use
        from opsdesk.flows.postmortems import PostmortemFlows  # noqa: PLC0415
        from opsdesk.flows.request_incidents import LinkedRequests  # noqa: PLC0415
        from opsdesk.store.pages import PageCounts  # noqa: PLC0415

        settings = self.settings
        flows = IncidentFlows(self.incident_repository, self.incident_notifier, self.team, self.clock)
        changes = IncidentRunner(flows)
        postmortems = PostmortemFlows(
            self.postmortem_repository,
            self.incident_repository,
            self.incident_notifier,
            team=self.team,
            people=self.people,
            hours=settings.hours,
            now=self.clock,
        )
        paging = Paging(
            changes,
            self.integrations.alerts,
            PageCounts(settings.table_name),
            settings.hours,
            mode=settings.paging_out_of_hours,
            on_call=self.rota_repository.on_call,
            status_url=self.status_url,
            now=self.clock,
            # Late, like the observer below: the alert flows are built from these.
            already_paged=lambda incident: self.alerts.paged_for(incident),  # noqa: PLW0108
        )
        flows.observe(postmortems)
        flows.observe(LinkedRequests(lambda: self.desk))  # the desk is built only for an incident from a request
        if settings.paging_enabled:
            from opsdesk.flows.alert_paging import AlertPagesFollowIncidents  # noqa: PLC0415

            flows.observe(paging)
            # Late: the alert flows are built from these, and only when an incident resolves.
            resolve_page = lambda incident_id: self.alerts.incident_resolved(incident_id)  # noqa: E731, PLW0108
            flows.observe(AlertPagesFollowIncidents(resolve_page))
        return flows, changes, postmortems, paging

    @property
    def incidents(self) -> IncidentFlows:
        return self._incident_flows[0]

    @property
    def changes(self) -> IncidentRunner:
        return self._incident_flows[1]

    @property
    def postmortems(self) -> PostmortemFlows:
        return self._incident_flows[2]

    @property
    def paging(self) -> Paging:
        return self._incident_flows[3]

    @cached_property
    def public_status(self) -> PublicStatus:
        from opsdesk.flows.public_status import PublicStatus  # noqa: PLC0415  # on first use

        return PublicStatus(self.changes)

    @cached_property
    def checkins(self) -> CheckIns:
        from opsdesk.flows.checkins import CheckIns  # noqa: PLC0415  # on first use

        settings = self.settings
        return CheckIns(self.changes, settings.checkin_every, settings.update_every, settings.hours)

    @cached_property
    def alarms(self) -> AlarmFlows:
        # Only the Alarms function reaches this: the others never pay for the alarm models (pydantic, ~25 ms).
        from opsdesk.alarms.routes import parse_routes  # noqa: PLC0415
        from opsdesk.alarms.scope import AlarmScope  # noqa: PLC0415
        from opsdesk.flows.alarms import AlarmFlows  # noqa: PLC0415

        settings = self.settings
        return AlarmFlows(
            self.incidents,
            self.changes,
            self.alerts.changes,
            self.alerts,
            AlarmScope(settings.alarm_name_prefixes),
            window_minutes=settings.alert_group_minutes,
            routes=parse_routes(settings.alarm_routes),
            pause=time.sleep,
        )

    @cached_property
    def alerts(self) -> AlertDecisions:
        """Declaring from an alert, dismissing one, and its out-of-hours page (the Alarms and Slack functions)."""
        from opsdesk.flows.alert_paging import AlertPaging  # noqa: PLC0415  # on first use
        from opsdesk.flows.alerts import AlertDecisions  # noqa: PLC0415
        from opsdesk.slack.alert_notifier import SlackAlertNotifier  # noqa: PLC0415
        from opsdesk.store.alarm_changes import AlarmChanges  # noqa: PLC0415
        from opsdesk.store.alerts import AlertRepository  # noqa: PLC0415

        settings = self.settings
        notifier = SlackAlertNotifier(self.slack, settings.team_channel_id)
        paging = AlertPaging(
            self.integrations.alerts,
            notifier,
            settings.hours,
            enabled=settings.paging_enabled,
            mode=settings.paging_out_of_hours,
        )
        table = settings.table_name
        return AlertDecisions(
            AlertRepository(table), AlarmChanges(table), self.incidents, notifier, paging=paging, now=self.clock
        )

    @cached_property
    def postmortem_actions(self) -> PostmortemActions:
        from opsdesk.flows.postmortem_actions import PostmortemActions  # noqa: PLC0415  # on first use

        return PostmortemActions(
            self.postmortem_repository, self.team, self.people, self.integrations.tracker, self.clock
        )

    @cached_property
    def publishing(self) -> PostmortemPublishing:
        from opsdesk.flows.postmortem_publishing import PostmortemPublishing  # noqa: PLC0415  # on first use

        return PostmortemPublishing(self.postmortem_repository, self.team, self.people, self.integrations.confluence)

    @cached_property
    def desk(self) -> SupportDesk:
        from opsdesk.flows.support import SupportDesk  # noqa: PLC0415  # on first use

        return SupportDesk(
            self.request_repository,
            self.support_notifier,
            self.settings,
            self.integrations.tracker,
            self.team,
            rota=self.rota,
            now=self.clock,
        )

    @cached_property
    def waiting(self) -> Waiting:
        from opsdesk.flows.waiting import Waiting  # noqa: PLC0415  # on first use

        return Waiting(self.desk, self.rota, self.rota_repository)

    @cached_property
    def tickets(self) -> Tickets:
        from opsdesk.flows.tickets import Tickets  # noqa: PLC0415  # on first use

        return Tickets(self.desk, self.people)

    @cached_property
    def rota(self) -> Rota:
        from opsdesk.flows.rota import Rota  # noqa: PLC0415  # on first use

        return Rota(self.rota_repository, self.settings.hours, self.team, self.clock)

    @cached_property
    def day(self) -> WorkingDay:
        from opsdesk.flows.day import WorkingDay  # noqa: PLC0415  # on first use
        from opsdesk.store.day import DayRepository  # noqa: PLC0415

        return WorkingDay(
            self.settings,
            self.day_notifier,
            self.incident_repository,
            self.request_repository,
            self.rota_repository,
            DayRepository(self.settings.table_name),
            self.integrations.tracker,
            self.team,
        )

    @cached_property
    def stats(self) -> Stats:
        from opsdesk.flows.stats import Stats  # noqa: PLC0415  # on first use
        from opsdesk.store.alerts import AlertRepository  # noqa: PLC0415

        return Stats(
            self.incident_repository,
            self.request_repository,
            self.day_notifier,
            self.settings.hours,
            self.clock,
            alerts=AlertRepository(self.settings.table_name),
        )
