"""The rota as `/rota` changes and reads it: today's pair, cover periods, who is on call."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.rota import RotaToday, parse_cover, parse_on_call, parse_set
from opsdesk.flows.permissions import Permission, require_team

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date, datetime

    from opsdesk.domain.clock import SupportHours
    from opsdesk.domain.ports import Team
    from opsdesk.domain.rota import Cover, OnDuty, Pair
    from opsdesk.store.rota import RotaRepository


class Rota:
    """Sets and reads the rota; days are London days, so "today" is the support team's today."""

    def __init__(
        self, repository: RotaRepository, hours: SupportHours, team: Team, now: Callable[[], datetime]
    ) -> None:
        self.repository = repository
        self.hours = hours
        self.team = team
        self.now = now

    def today(self, at: datetime | None = None) -> RotaToday:
        """The rota of the London day of `at` (default now)."""
        return self.repository.today(self._local_date(at))

    def on_duty(self, at: datetime) -> OnDuty:
        """Who answers the ops channel at `at`: the cover person in their window, else the day's pair."""
        day = self._local_date(at)
        rota = RotaToday(day, self.repository.pair_on(day), self.repository.covers_on(day), on_call=None)
        return rota.on_duty(self.hours.local(at).time())

    def set_pair(self, text: str, by: str) -> Pair:
        """`@a @b [from YYYY-MM-DD]`: the pair on support from today, or from the date given."""
        require_team(self.team, by, Permission.ROTA)
        pair = replace(parse_set(text, self._local_date()), set_by=by)
        self.repository.set_pair(pair)
        return pair

    def add_cover(self, text: str, by: str) -> Cover:
        """`@c 12:00-13:00`: someone covers a period of today."""
        require_team(self.team, by, Permission.ROTA)
        cover = parse_cover(text, self._local_date())
        self.repository.add_cover(cover)
        return cover

    def set_on_call(self, text: str, by: str) -> str:
        """`@d`: who is on call out of hours."""
        require_team(self.team, by, Permission.ON_CALL)
        user = parse_on_call(text)
        self.repository.set_on_call(user, self.now())
        return user

    def _local_date(self, at: datetime | None = None) -> date:
        return self.hours.local(at or self.now()).date()
