"""Messages, threads, modals and the Home tab as HTML, from the Slack stand-in's store."""

from __future__ import annotations

import html
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from devstack.sandbox.blocks import blocks_html
from devstack.sandbox.elements import Ctx, attr
from devstack.sandbox.mrkdwn import EMOJI, mrkdwn, plain, safe_url, text_object
from devstack.sandbox.shortcuts import ICONS, MESSAGE_SHORTCUTS
from devstack.standins.slack_workspace import BOT_USER_ID, dm_channel_id, person, ts_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.sandbox.mrkdwn import Names

_LONDON = ZoneInfo("Europe/London")
_COLOURS = ("#1d9bd1", "#2bac76", "#e01e5a", "#ecb22e", "#7c3085", "#e8912d", "#4a154b", "#0b4c8c")
_ATTACHMENT_COLOURS = {"good": "#2eb67d", "warning": "#ecb22e", "danger": "#e01e5a"}


@dataclass
class Where:
    """What one browser tab is looking at: who acts, which channel, which thread, which tab."""

    user: str
    channel: str
    thread: str | None = None
    tab: str = "messages"
    extra: dict[str, str] = field(default_factory=dict)

    def link(self, **changes: str | None) -> str:
        """Return "/?..." for this place with some parameters changed (None drops one)."""
        params = {
            "u": self.user,
            "c": self.channel,
            "t": self.thread,
            "tab": None if self.tab == "messages" else self.tab,
        }
        params.update(changes)
        return "/?" + urlencode({key: value for key, value in params.items() if value})

    def hidden(self) -> str:
        """Return hidden inputs carrying this place through a form post."""
        fields = {"u": self.user, "c": self.channel, "t": self.thread or "", "tab": self.tab}
        return "".join(f'<input type="hidden" name="{name}" value="{attr(value)}">' for name, value in fields.items())


def _shortcut_buttons() -> str:
    """One button per message shortcut of the manifest, named as Slack's "More actions" menu names it."""
    return "".join(
        f'<button formaction="/sandbox/do/shortcut" name="shortcut" value="{attr(callback_id)}" '
        f'title="{attr(name)}" aria-label="{attr(name)}">{ICONS.get(callback_id, "⚡")}</button>'
        for callback_id, name in MESSAGE_SHORTCUTS.items()
    )


def clock(ts: str) -> str:
    """Return a message time as London wall-clock HH:MM."""
    seconds = ts_key(ts)[0]
    return datetime.fromtimestamp(seconds, UTC).astimezone(_LONDON).strftime("%H:%M")


def avatar(user: str) -> str:
    """Return a coloured initials avatar."""
    if user == BOT_USER_ID:
        return '<div class="avatar bot" aria-hidden="true">od</div>'
    initials = "".join(part[0] for part in str(person(user)["real_name"]).split()[:2]).upper()
    colour = _COLOURS[zlib.crc32(user.encode()) % len(_COLOURS)]
    return f'<div class="avatar" style="background:{colour}" aria-hidden="true">{html.escape(initials)}</div>'


class Renderer:
    """Render the workspace for one viewer; `ctx()` gives the Block Kit context for messages or views."""

    def __init__(
        self,
        names: Names,
        people: dict[str, str],
        channels: dict[str, str],
        has_file: Callable[[str], bool] = lambda _file_id: False,
    ) -> None:
        self.names = names
        self.people = people
        self.channels = channels
        # Whether the Slack stand-in holds a file's bytes (an upload): then an image is shown, as Slack shows it.
        self.has_file = has_file

    def ctx(self, kind: str = "message", action_url: str = "/sandbox/do/act", **extra: Any) -> Ctx:
        """Return a rendering context."""
        return Ctx(self.names, kind, action_url, dict(self.people), dict(self.channels), **extra)

    # ---- messages
    def message(
        self,
        message: dict[str, Any],
        where: Where,
        *,
        in_thread: bool = False,
        reactions: dict[str, set[str]] | None = None,
    ) -> str:
        """Render one message (or ephemeral message) with its controls, reactions and reply count."""
        user = str(message.get("user") or BOT_USER_ID)
        ephemeral = bool(message.get("ephemeral"))
        is_bot = user == BOT_USER_ID or bool(message.get("bot_id"))
        name = "opsdesk" if is_bot else str(person(user)["real_name"])
        badge = '<span class="badge">APP</span>' if is_bot else ""
        edited = ' <span class="edited">(edited)</span>' if message.get("edited") else ""
        channel = str(message.get("channel") or where.channel)
        form = (
            f'<form class="msg-form" method="post" action="/sandbox/do/act">{where.hidden()}'
            f'<input type="hidden" name="ts" value="{attr(message["ts"])}">'
            f'<input type="hidden" name="chan" value="{attr(channel)}">'
            f'<input type="hidden" name="eph" value="{"1" if ephemeral else ""}">'
            f"{self.body(message)}</form>"
        )
        note = '<div class="only-you">👁 Only visible to you</div>' if ephemeral else ""
        broadcast = (
            '<div class="only-you">replied to a thread</div>'
            if message.get("subtype") == "thread_broadcast" and not in_thread
            else ""
        )
        extras = self._attachments(message) + self._files(message) + self._reactions(message, reactions or {})
        if not in_thread and message.get("reply_count"):
            count = int(message["reply_count"])
            extras += (f'<a class="replies" href="{attr(where.link(t=message["ts"], c=channel))}">'
                       f'{count} {"reply" if count == 1 else "replies"}</a>')  # fmt: skip
        react = "" if ephemeral else self._react_form(channel, str(message["ts"]), where, own=user == where.user)
        return (
            f'<article class="msg{" ephemeral" if ephemeral else ""}" id="m{str(message["ts"]).replace(".", "-")}"'
            f' data-ts="{attr(message["ts"])}" data-user="{attr(user)}">'
            f'{avatar(user)}<div class="msg-main">{note}{broadcast}'
            f'<div class="msg-head"><b class="who">{html.escape(name)}</b>{badge}'
            f'<time title="{attr(message["ts"])}">{clock(str(message["ts"]))}</time>{edited}</div>'
            f"{form}{extras}</div>{react}</article>"
        )

    def body(self, message: dict[str, Any]) -> str:
        """Render a message's blocks, or its text when it has none (Slack shows text only as a fallback)."""
        blocks = [block for block in message.get("blocks") or [] if isinstance(block, dict)]
        if blocks and any(block.get("type") != "rich_text" for block in blocks):
            return f'<div class="blocks">{blocks_html(blocks, self.ctx())}</div>'
        return f'<div class="text">{mrkdwn(str(message.get("text") or ""), self.names)}</div>'

    def _attachments(self, message: dict[str, Any]) -> str:
        parts = []
        for item in message.get("attachments") or []:
            colour = str(item.get("color") or "#ddd")
            colour = _ATTACHMENT_COLOURS.get(colour, colour if colour.startswith("#") else f"#{colour}")
            inner = ""
            if item.get("pretext"):
                inner += f"<div>{mrkdwn(str(item['pretext']), self.names)}</div>"
            if item.get("title"):
                title = html.escape(str(item["title"]))
                link = item.get("title_link")
                inner += f'<b><a href="{attr(safe_url(str(link)))}">{title}</a></b>' if link else f"<b>{title}</b>"
            if item.get("text"):
                inner += f"<div>{mrkdwn(str(item['text']), self.names)}</div>"
            for entry in item.get("fields") or []:
                value = mrkdwn(str(entry.get("value", "")), self.names)
                inner += f"<div><b>{plain(str(entry.get('title', '')))}</b><br>{value}</div>"
            if item.get("blocks"):
                inner += blocks_html(item["blocks"], self.ctx())
            if item.get("footer"):
                inner += f'<div class="bk context">{mrkdwn(str(item["footer"]), self.names)}</div>'
            parts.append(f'<div class="attachment" style="border-color:{attr(colour)}">{inner}</div>')
        return "".join(parts)

    def _files(self, message: dict[str, Any]) -> str:
        parts = []
        for item in message.get("files") or []:
            title = html.escape(str(item.get("title") or item.get("name") or "file"))
            file_id = str(item.get("id") or "")
            if str(item.get("mimetype") or "").startswith("image/") and self.has_file(file_id):
                parts.append(
                    f'<figure class="file image"><img src="/sandbox/files/{attr(file_id)}" alt="{title}" '
                    f'loading="lazy"><figcaption>{title}</figcaption></figure>'
                )
            else:
                parts.append(f'<div class="file">📄 {title}</div>')
        return "".join(parts)

    def _reactions(self, message: dict[str, Any], extra: dict[str, set[str]]) -> str:
        counts: dict[str, set[str]] = {name: set(users) for name, users in extra.items()}
        for reaction in message.get("reactions") or []:
            counts.setdefault(str(reaction["name"]), set()).update(reaction.get("users") or [])
        chips = [
            f'<span class="reaction" title="{attr(", ".join(sorted(users)))}">'
            f"{EMOJI.get(name, f':{html.escape(name)}:')} {len(users)}</span>"
            for name, users in counts.items()
            if users
        ]
        return f'<div class="reactions">{"".join(chips)}</div>' if chips else ""

    @staticmethod
    def _react_form(channel: str, ts: str, where: Where, *, own: bool = False) -> str:
        """The hover bar: reactions, message shortcuts and, for its author, delete (a tombstone if it has replies)."""
        delete = (
            '<button formaction="/sandbox/do/delete" title="Delete message" aria-label="Delete message">🗑</button>'
            if own
            else ""
        )
        return (
            f'<form class="react" method="post" action="/sandbox/do/react">{where.hidden()}'
            f'<input type="hidden" name="chan" value="{attr(channel)}">'
            f'<input type="hidden" name="ts" value="{attr(ts)}">'
            '<button name="reaction" value="eyes" title="React with :eyes:">👀</button>'
            '<button name="reaction" value="white_check_mark" title="React with :white_check_mark:">✅</button>'
            f"{_shortcut_buttons()}{delete}</form>"
        )

    def timeline(self, messages: list[dict[str, Any]], where: Where, **kwargs: Any) -> str:
        """Render messages oldest first, or an empty-channel note."""
        if not messages:
            return '<div class="empty">Nothing here yet. Say something, or try <code>/incident help</code>.</div>'
        items = sorted(messages, key=lambda item: ts_key(str(item["ts"])))
        return "".join(self.message(item, where, **kwargs) for item in items)

    # ---- modals and home
    def modal(
        self, view: dict[str, Any], where: Where, errors: dict[str, str], drafts: dict[str, list[str]], depth: int
    ) -> str:
        """Render a modal view as a dialog whose form submits to the sandbox."""
        ctx = self.ctx("view", "/sandbox/do/view-act", drafts=drafts, errors=errors, id_prefix="modal-")
        title = text_object(view.get("title"), self.names) or "opsdesk"
        submit = text_object(view.get("submit"), self.names)
        close = text_object(view.get("close"), self.names) or "Cancel"
        hidden = where.hidden() + f'<input type="hidden" name="view" value="{attr(view["id"])}">'
        back = '<span class="stack-depth">‹ back</span>' if depth > 1 else ""
        submit_button = f'<button class="btn primary" type="submit">{submit}</button>' if submit else ""
        return (
            '<div class="backdrop">'
            f'<div class="modal" role="dialog" aria-modal="true" aria-label="{attr(html.unescape(title))}"'
            f' data-view-id="{attr(view["id"])}" data-callback-id="{attr(view.get("callback_id", ""))}">'
            f'<form class="modal-x" method="post" action="/sandbox/do/close">{hidden}'
            f'<button class="x" title="Close" aria-label="Close">×</button></form>'
            f'<header>{back}<img class="app-icon" alt="" src="/sandbox/static/icon.svg"><h2>{title}</h2></header>'
            f'<form class="modal-form" method="post" action="/sandbox/do/submit">{hidden}'
            f'<div class="modal-body">{blocks_html(view.get("blocks") or [], ctx)}</div>'
            f"<footer>{submit_button}"
            f'<button class="btn" formaction="/sandbox/do/close" formnovalidate>{close}</button></footer>'
            "</form></div></div>"
        )

    def home(self, view: dict[str, Any] | None, where: Where) -> str:
        """Render the user's App Home tab."""
        if view is None:
            return '<div class="empty">opsdesk has not published a Home tab for you yet.</div>'
        body = blocks_html(view.get("blocks") or [], self.ctx("view", "/sandbox/do/view-act", id_prefix="home-"))
        hidden = where.hidden() + f'<input type="hidden" name="view" value="{attr(view["id"])}">'
        return f'<form class="home" method="post" action="/sandbox/do/view-act">{hidden}{body}</form>'


def dm_name(channel: str) -> str:
    """Name a DM or group DM with the app by its people."""
    if channel.startswith("D"):
        return f"opsdesk ↔ {person('U' + channel[1:])['real_name']}"
    return "group DM"


def home_channel(user: str) -> str:
    """Return the user's DM with the app (its Messages tab)."""
    return dm_channel_id([user])
