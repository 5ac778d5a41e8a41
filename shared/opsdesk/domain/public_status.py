"""What the public status page may say about an incident: only what the support team chose to publish.

Nothing reaches the page by being an incident. A support-team member publishes one with a public
title, then posts public updates, each written for the public and kept apart from the internal
updates (the way status pages work). Alarms, internal titles, people, Slack ids, internal updates
and service names outside the operator's allow-list never appear.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import InvalidRequest

if TYPE_CHECKING:
    from datetime import datetime

MIN_TITLE = 3
MAX_TITLE = 150
MAX_UPDATE = 1000


@dataclass(frozen=True)
class PublicUpdate:
    """One update written for the public, and when it was posted."""

    at: datetime
    text: str


@dataclass(frozen=True)
class PublicNotice:
    """An incident as the public sees it: a public title, when it was published, and its public updates."""

    title: str
    published_at: datetime
    updates: tuple[PublicUpdate, ...] = ()
    withdrawn: bool = False

    def retitled(self, title: str) -> PublicNotice:
        return replace(self, title=public_title(title), withdrawn=False)

    def with_update(self, text: str, at: datetime) -> PublicNotice:
        return replace(self, updates=(*self.updates, PublicUpdate(at, public_text(text))))


def public_title(title: str) -> str:
    """A title for the public page; refused when too short to say anything."""
    cleaned = " ".join(title.split())
    if len(cleaned) < MIN_TITLE:
        raise InvalidRequest(
            "Give the title the public sees, e.g. `/incident public INC-7K3QF Some users cannot sign in`."
        )
    return cleaned[:MAX_TITLE]


def public_text(text: str) -> str:
    """A public update's text; refused when empty."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidRequest(
            "Say what the public should know, e.g. `/incident public-update INC-7K3QF A fix is being rolled out`."
        )
    return cleaned[:MAX_UPDATE]
