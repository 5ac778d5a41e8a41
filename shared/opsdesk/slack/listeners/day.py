"""Placeholder: being written now; replaced before this lands."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_bolt import App

    from opsdesk.services import Services


def register(app: App, services: Services) -> None:
    """Attach this feature's listeners."""
