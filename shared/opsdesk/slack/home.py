"""The App Home tab, published when a person opens it: open incidents, and what is waiting on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.slack.views.home import home_view

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta

    from slack_sdk import WebClient

    from opsdesk.domain.incidents import Incident
    from opsdesk.slack.access import ChannelAccess


class HomeTab:
    """Publishes each person's App Home; the support team also sees which of opsdesk's channels it is missing from."""

    def __init__(self, client: WebClient, access: ChannelAccess, update_every: timedelta) -> None:
        self.client = client
        self.access = access
        self.update_every = update_every

    def publish(self, user: str, incidents: Sequence[Incident], now: datetime, *, on_team: bool) -> None:
        view = home_view(
            user,
            incidents,
            now,
            self.update_every,
            on_team=on_team,
            # Asked each time a team member opens the tab, so it clears as soon as someone invites opsdesk.
            channel_problems=self.access.problems(self.client) if on_team else (),
        )
        self.client.views_publish(user_id=user, view=view)
