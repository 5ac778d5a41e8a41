"""A Slack-like sandbox for opsdesk in the browser: `make run`, then open http://127.0.0.1:3000/."""

from __future__ import annotations

from devstack.sandbox.app import Sandbox, mount

__all__ = ["Sandbox", "mount"]
