"""People, links and other people's words in Slack's mrkdwn: how the core's data reads in a message.

Anything someone else wrote (a person in a form, a command or a message; Jira; PagerDuty; an alarm's
description) reaches mrkdwn only through `literal`, which writes `&`, `<` and `>` as entities. Every
control sequence of Slack's needs a literal `<` (`<!channel>`, `<!here>`, `<!subteam^…>`, `<@U…>`,
`<https://evil|https://looks.safe>`), so none survives: the words read as typed and ping nobody.
Slack delivers message text already escaped (https://docs.slack.dev/messaging/formatting-message-text
#escaping), so an entity already there is kept, not escaped again: `literal` is idempotent, and text
that passed through it twice reads the same as once. `fit` never cuts inside an entity.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from opsdesk.slack.fit import EMPTY, fit

if TYPE_CHECKING:
    from opsdesk.domain.errors import OpsdeskError

# A user (U, W) or bot (B) id as Slack writes them; anything else (CloudWatch, on-call) is shown as it is.
_SLACK_ID = re.compile(r"[UWB][A-Z0-9]{2,}")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
_USER_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")
# An ampersand that does not already start one of the three entities Slack decodes.
_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt);)")
# What a URL inside `<url|label>` may not hold: Slack would read it as the end of the link or its label.
_URL_BREAKERS = "<>|\"' \n\r\t"


def literal(text: str) -> str:
    """Someone else's words as they read, never as Slack markup: `&`, `<` and `>` as entities (once)."""
    return _BARE_AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def said(text: str, limit: int, *, empty: str = EMPTY) -> str:
    """Someone else's words made literal, then fitted to `limit` (escaping first: it can lengthen them)."""
    return fit(literal(text), limit, empty=empty)


def mention(user: str) -> str:
    """A person as Slack shows them to each reader (their name, linked); a system's name as plain words."""
    return f"<@{user}>" if _SLACK_ID.fullmatch(user) else literal(user)


def user_group(group_id: str) -> str:
    """A user group pinged (a configured id only: anything else is shown as words, pinging nobody)."""
    return f"<!subteam^{group_id}>" if _USER_GROUP_ID.fullmatch(group_id) else literal(group_id)


def channel(channel_id: str) -> str:
    """A channel as Slack shows it to each reader (its name, or "private channel" to those outside it)."""
    return f"<#{channel_id}>" if _CHANNEL_ID.fullmatch(channel_id) else literal(channel_id)


def safe_url(url: str) -> str:
    """A URL that cannot end a link early or smuggle markup: only http(s), the breaking characters encoded."""
    if not url.lower().startswith(("https://", "http://")):
        return ""
    return literal(quote(url, safe="".join(chr(code) for code in range(33, 127) if chr(code) not in _URL_BREAKERS)))


def link(url: str, label: str) -> str:
    """`label` linking to `url` (both from elsewhere, so both made safe); the label alone when the URL is not."""
    target = safe_url(url)
    words = literal(label.replace("\n", " ")) or target
    return f"<{target}|{words}>" if target else words


def worded(error: OpsdeskError) -> str:
    """What a refusal says to the person in Slack: the people it names mentioned, every other word literal.

    A refusal can carry words from elsewhere (what someone typed, a system's answer), so none of it is markup.
    """
    return error.worded(mention, literal)
