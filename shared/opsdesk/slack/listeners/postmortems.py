"""Placeholder: being written now; replaced before this lands."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import App

    from opsdesk.services import Services


def register(app: App, services: Services, subcommands: dict[str, Callable[..., None]]) -> None:
    """Attach /postmortem, /ops and `/incident page`."""
