"""What the sandbox remembers beyond the Slack stand-in: who opened which modal, typed drafts, ack replies."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

_LOG_LENGTH = 20


@dataclass
class Modal:
    """What a modal needs besides the view itself: errors from the last submit and what was typed."""

    errors: dict[str, str] = field(default_factory=dict)
    drafts: dict[str, list[str]] = field(default_factory=dict)


class SandboxState:
    """Shared by request threads; every change bumps `version`, which wakes the pages' long polls."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.version = 0
        self.triggers: dict[str, str] = {}  # trigger_id -> the user whose action made it
        self.stacks: dict[str, list[str]] = {}  # user -> modal view ids, bottom first
        self.local_views: dict[str, dict[str, Any]] = {}  # views from response_action update/push
        self.modals: dict[str, Modal] = {}
        self.notes: list[dict[str, Any]] = []  # slash command acks with a body: Slack shows them to the user
        self.log: list[dict[str, Any]] = []  # what the outside-world panel fired, newest first
        # People's reactions: the stand-in stores only the app's own (reactions.add).
        self.reactions: dict[tuple[str, str], dict[str, set[str]]] = {}

    # ---- change notification
    def bump(self) -> None:
        """Record a change and wake every waiting page."""
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """Block until the version differs from `seen` (or `timeout` passes); return the version."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen, timeout=timeout)
            return self.version

    # ---- modals
    def remember_trigger(self, trigger_id: str, user: str) -> None:
        """Note who caused a trigger_id, so the view opened with it shows for them."""
        with self._changed:
            self.triggers[trigger_id] = user

    def on_slack(self, change: dict[str, Any]) -> None:
        """Follow the Slack stand-in: put opened and pushed views on their user's modal stack."""
        kind, view = change.get("type"), change.get("view") or {}
        with self._changed:
            user = self.triggers.get(str(change.get("trigger_id") or ""))
            if kind == "view_opened" and user:
                self.stacks[user] = [view["id"]]
            elif kind == "view_pushed" and user:
                self.stacks.setdefault(user, []).append(view["id"])
            elif kind == "view_updated":
                self.local_views.pop(view.get("id", ""), None)
        self.bump()

    def top(self, user: str) -> str | None:
        """Return the view id at the top of a user's modal stack."""
        with self._changed:
            stack = self.stacks.get(user) or []
            return stack[-1] if stack else None

    def modal(self, view_id: str) -> Modal:
        """Return (creating) the modal record of a view."""
        with self._changed:
            return self.modals.setdefault(view_id, Modal())

    def close(self, user: str, *, everything: bool = False) -> None:
        """Close the top modal (or the whole stack)."""
        with self._changed:
            stack = self.stacks.get(user) or []
            closed = list(stack) if everything else stack[-1:]
            del stack[len(stack) - len(closed) :]
            for view_id in closed:
                self.modals.pop(view_id, None)
        self.bump()

    def replace_top(self, user: str, view: dict[str, Any], *, push: bool) -> None:
        """Show a view a submission answered with (response_action update or push)."""
        with self._changed:
            stack = self.stacks.setdefault(user, [])
            if not push and stack:
                view = {**view, "id": stack[-1]}
                self.modals.pop(stack[-1], None)
            else:
                view = {**view, "id": f"VSANDBOX{self.version:06d}{len(stack)}"}
                stack.append(view["id"])
            self.local_views[view["id"]] = view
        self.bump()

    # ---- notes and the outside-world log
    def add_note(self, user: str, channel: str, body: dict[str, Any], thread_ts: str | None = None) -> None:
        """Keep a slash command's ack body as an ephemeral message for the user who typed it."""
        with self._changed:
            note = {"user": user, "channel": channel, "thread_ts": thread_ts, "ts": f"{time.time():.6f}"}
            note.update({key: body[key] for key in ("text", "blocks") if body.get(key)})
            self.notes.append(note)
        self.bump()

    def notes_for(self, user: str) -> list[dict[str, Any]]:
        """Return the ack notes shown to a user."""
        with self._changed:
            return [dict(note) for note in self.notes if note["user"] == user]

    def react(self, channel: str, ts: str, name: str, user: str) -> None:
        """Remember a person's reaction to a message."""
        with self._changed:
            self.reactions.setdefault((channel, ts), {}).setdefault(name, set()).add(user)
        self.bump()

    def reactions_on(self, channel: str, ts: str) -> dict[str, set[str]]:
        """Return people's reactions to one message."""
        with self._changed:
            return {name: set(users) for name, users in self.reactions.get((channel, ts), {}).items()}

    def record(self, what: str, status: int, detail: str) -> None:
        """Log one thing the outside-world panel fired and what came back."""
        with self._changed:
            self.log.insert(
                0, {"what": what, "status": status, "detail": detail[:2000], "at": time.strftime("%H:%M:%S")}
            )
            del self.log[_LOG_LENGTH:]
        self.bump()
