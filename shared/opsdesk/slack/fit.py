"""Fitting what people type into what Slack will render, in one place for every message and view.

Slack refuses Block Kit it cannot render (`invalid_blocks` on chat methods, `invalid_arguments`
on views) instead of cutting it, so a 3,000-character title or a pasted log would lose the whole
message. Every view builds its text through these helpers: a text is cut to its field's limit
with an ellipsis (never inside Slack markup such as `<@U123>` nor inside an entity such as `&lt;`,
and a cut code block is closed),
a list keeps whole lines and says how many more there are, and the texts of one message share
its budget. Empty text is refused too, so a fitted text is never empty.

The limits are slack_sdk's own where its models know them; the others come from Slack's docs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeVar

from slack_sdk.models.blocks import ButtonElement, ContextBlock, HeaderBlock, Option, SectionBlock
from slack_sdk.models.views import View

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")

HEADER = HeaderBlock.text_max_length  # 150
SECTION = SectionBlock.text_max_length  # 3,000
SECTION_FIELDS = SectionBlock.fields_max_length  # 10
FIELD = 2000  # each section field: https://docs.slack.dev/reference/block-kit/blocks/section-block
BUTTON_TEXT = ButtonElement.text_max_length  # 75
BUTTON_VALUE = ButtonElement.value_max_length  # 2,000
OPTION_TEXT = Option.label_max_length  # 75
OPTIONS = (
    100  # options in a static select: https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element
)
CONTEXT_ELEMENTS = ContextBlock.elements_max_length  # 10
MODAL_TITLE = View.title_max_length  # 24
PRIVATE_METADATA = View.private_metadata_max_length  # 3,000
VIEW_BLOCKS = View.blocks_max_length  # 100
MESSAGE_BLOCKS = 50  # https://docs.slack.dev/reference/block-kit/blocks
# All the text in one message's blocks: Slack answers msg_blocks_too_long somewhere past 11,000-13,000
# characters (undocumented; slackapi/bolt-js issues 2509 and 2867), so opsdesk keeps every message under this.
MESSAGE_TEXT = 8000
# A message's `text` (the notification, or the whole message when it has no blocks): Slack truncates
# past 40,000 characters and advises 4,000 (https://docs.slack.dev/reference/methods/chat.postMessage).
TEXT_LIMIT = 40_000
PLAIN_MESSAGE = 4000

ELLIPSIS = "…"
FENCE = "```"
EMPTY = "—"
# The start of an entity (views.mrkdwn.literal writes `&amp;`, `&lt;`, `&gt;`) cut before its `;`.
_CUT_ENTITY = re.compile(r"&(?:a|am|amp|l|lt|g|gt)?$")


def fit(text: str, limit: int, *, empty: str = EMPTY) -> str:
    """Return `text` within `limit` characters, cut with an ellipsis when longer; `empty` when blank."""
    if not text.strip():
        return empty
    if len(text) <= limit:
        return text
    suffix = ELLIPSIS
    cut = _outside_markup(text[: limit - len(suffix)])
    if cut.count(FENCE) % 2:  # a pasted log cut inside its code block: close the block
        suffix = f"{ELLIPSIS}{FENCE}"
        cut = _outside_markup(text[: limit - len(suffix)])
        if not cut.count(FENCE) % 2:
            suffix = ELLIPSIS
    return (cut.rstrip() or _CUT_ENTITY.sub("", text[: limit - len(suffix)])) + suffix


def _outside_markup(cut: str) -> str:
    """Never end inside Slack markup (`<@U123>`, `<url|label>`, `<!date^…>`) or an entity: drop the unfinished one."""
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    return _CUT_ENTITY.sub("", cut)


def fit_lines(
    lines: Sequence[str],
    limit: int,
    *,
    line_limit: int | None = None,
    more: str = "…and {n} more.",
    separator: str = "\n",
    empty: str = EMPTY,
) -> str:
    """Join whole lines within `limit`, each fitted to `line_limit`; the last line says how many did not fit."""
    fitted = [fit(line, line_limit) for line in lines] if line_limit else list(lines)
    if len(separator.join(fitted)) <= limit:
        return separator.join(fitted) or empty
    room = max(limit - len(more) - 8, len(ELLIPSIS) + 1)
    fitted = [fit(line, room) for line in fitted]
    shown: list[str] = []
    used = 0
    for index, line in enumerate(fitted):
        tail = len(more.format(n=len(fitted))) + len(separator)
        if used + len(line) + len(separator) + tail > limit:
            shown.append(more.format(n=len(fitted) - index))
            break
        shown.append(line)
        used += len(line) + len(separator)
    return fit(separator.join(shown), limit, empty=empty)


def cap(items: Sequence[T], most: int) -> tuple[list[T], int]:
    """Return the first `most` items and how many were left out."""
    most = max(most, 0)
    return list(items[:most]), max(len(items) - most, 0)


def allot(lengths: Sequence[int], budget: int, most: Sequence[int]) -> list[int]:
    """Share a budget between texts of these lengths: short ones get all they need, long ones split the rest."""
    limits = [0] * len(lengths)
    left = budget
    by_need = sorted(range(len(lengths)), key=lambda index: min(lengths[index], most[index]))
    for position, index in enumerate(by_need):
        fair = left // (len(lengths) - position)
        limits[index] = max(min(lengths[index], most[index], fair), len(ELLIPSIS) + 1)
        left -= limits[index]
    return limits


def share(texts: Sequence[str], budget: int, *, most: int = SECTION) -> list[str]:
    """Fit several texts into one budget: short ones stay whole, long ones share what the short ones leave."""
    limits = allot([len(text) for text in texts], budget, [most] * len(texts))
    return [fit(text, limit) for text, limit in zip(texts, limits, strict=True)]


def fit_serialised(build: Callable[[str], str], text: str, limit: int = PRIVATE_METADATA) -> str:
    """Return `build(text)` within `limit`, shortening `text` as far as needed (escaping can lengthen it)."""
    built = build(text)
    while len(built) > limit and text:
        text = fit(text, max(len(text) - (len(built) - limit), 1), empty="")
        built = build(text)
    return built
