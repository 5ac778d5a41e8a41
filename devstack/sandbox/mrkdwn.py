"""Slack mrkdwn and plain_text to safe HTML: everything is escaped before any markup is added."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

# The emoji opsdesk and its people use; anything else stays as :name:, as Slack shows unknown ones.
EMOJI = {
    "rotating_light": "🚨", "red_circle": "🔴", "large_yellow_circle": "🟡", "large_green_circle": "🟢",
    "white_check_mark": "✅", "memo": "📝", "wave": "👋", "eyes": "👀", "inbox_tray": "📥", "wastebasket": "🗑️",
    "hammer_and_wrench": "🛠️", "warning": "⚠️", "star": "⭐", "tada": "🎉", "thumbsup": "👍", "+1": "👍",
    "pager": "📟", "calendar": "📅", "clipboard": "📋", "bell": "🔔", "mag": "🔍", "ticket": "🎫",
    "sunrise": "🌅", "city_sunset": "🌆", "bar_chart": "📊", "chart_with_upwards_trend": "📈",
    "x": "❌", "heavy_check_mark": "✔️", "hourglass_flowing_sand": "⏳", "fire": "🔥", "bulb": "💡",
    "speech_balloon": "💬", "busts_in_silhouette": "👥", "bust_in_silhouette": "👤", "link": "🔗",
    "page_facing_up": "📄", "lock": "🔒", "rocket": "🚀", "no_entry": "⛔", "arrow_right": "➡️",
    "information_source": "ℹ️", "question": "❓", "exclamation": "❗", "sos": "🆘", "zzz": "💤",
    "handshake": "🤝", "raised_hands": "🙌", "pray": "🙏", "crossed_fingers": "🤞", "slightly_smiling_face": "🙂",
    "sunny": "☀️",
}  # fmt: skip

_PLACEHOLDER = "\x00{}\x00"
_RESTORE = re.compile("\x00(\\d+)\x00")
_FENCE = re.compile(r"```(.+?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_TOKEN = re.compile(r"<([^<>\n]+)>")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
# Slack formats only when the marker hugs a word: "*bold*" yes, "2 * 3 * 4" no.
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_SAFE_SCHEMES = ("http://", "https://", "mailto:", "/")


def slack_unescape(text: str) -> str:
    """Undo the three escapes Slack requires in message text (&amp; &lt; &gt;)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emoji(text: str) -> str:
    """Replace known :emoji: codes with the characters."""
    return _EMOJI.sub(lambda match: EMOJI.get(match.group(1), match.group(0)), text)


def plain(text: str, *, with_emoji: bool = True) -> str:
    """Render a plain_text object's text."""
    escaped = html.escape(slack_unescape(text))
    return emoji(escaped) if with_emoji else escaped


def safe_url(url: str) -> str:
    """Return the URL if it is one a link may point at, else "#" (no javascript: links)."""
    return url if url.lower().startswith(_SAFE_SCHEMES) else "#"


class Names:
    """How ids in mrkdwn become names: people (<@U..>) and channels (<#C..>)."""

    def __init__(self, person: Callable[[str], str], channel: Callable[[str], str]) -> None:
        self.person = person
        self.channel = channel


def _token(body: str, names: Names) -> str:
    """Render one <...> token: a mention, a channel, a date, a special mention or a link."""
    target, _, label = body.partition("|")
    if target.startswith(("@U", "@W")):
        return f'<span class="mention">@{html.escape(label or names.person(target[1:]))}</span>'
    if target.startswith("#C") or target.startswith(("#D", "#G")):
        return f'<span class="mention">#{html.escape(label or names.channel(target[1:]))}</span>'
    if target.startswith("!date^"):
        return f'<time class="date">{html.escape(slack_unescape(label or target))}</time>'
    if target.startswith("!subteam^"):
        return f'<span class="mention">@{html.escape(label or target.split("^", 1)[1])}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{html.escape(label or target[1:])}</span>'
    url = slack_unescape(target)
    text = html.escape(slack_unescape(label)) if label else html.escape(url)
    return f'<a href="{html.escape(safe_url(url), quote=True)}" target="_blank" rel="noopener">{emoji(text)}</a>'


def mrkdwn(text: str, names: Names) -> str:
    """Render Slack mrkdwn: code, links and mentions, *bold*, _italic_, ~strike~, > quotes, emoji, newlines."""
    kept: list[str] = []

    def keep(rendered: str) -> str:
        kept.append(rendered)
        return _PLACEHOLDER.format(len(kept) - 1)

    # Code first, so nothing inside it is formatted; then tokens, so their URLs are not.
    text = _FENCE.sub(lambda m: keep(f"<pre>{html.escape(slack_unescape(m.group(1).strip(chr(10))))}</pre>"), text)
    text = _CODE.sub(lambda m: keep(f"<code>{html.escape(slack_unescape(m.group(1)))}</code>"), text)
    text = _TOKEN.sub(lambda m: keep(_token(m.group(1), names)), text)
    text = html.escape(slack_unescape(text), quote=False)
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    text = _STRIKE.sub(r"<s>\1</s>", text)
    text = emoji(text)
    lines = [
        f'<span class="quote">{line[5:]}</span>' if line.startswith("&gt; ") else line for line in text.split("\n")
    ]
    text = "<br>".join(lines)
    return _RESTORE.sub(lambda match: kept[int(match.group(1))], text)


def text_object(obj: object, names: Names) -> str:
    """Render a composition text object ({"type": "mrkdwn"|"plain_text", "text"}) or a bare string."""
    if isinstance(obj, str):
        return plain(obj)
    if not isinstance(obj, dict):
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn(text, names)
    return plain(text, with_emoji=obj.get("emoji", True) is not False)
