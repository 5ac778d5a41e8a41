"""Block Kit blocks to HTML, and the positions ("<block>.<element>") that map form controls back to elements."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from devstack.sandbox.elements import STATEFUL, attr, element_html, read_state
from devstack.sandbox.mrkdwn import safe_url, text_object

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from devstack.sandbox.elements import Ctx


def block_id(block: dict[str, Any], index: int) -> str:
    """Return a block's id; Slack makes one up when a block has none, so do we (stable per position)."""
    return str(block.get("block_id") or f"sb{index}")


def elements_of(block: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a block's interactive elements in position order (accessory or input element is position 0)."""
    if block.get("type") == "actions":
        return [element for element in block.get("elements") or [] if isinstance(element, dict)]
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            return [block[key]]
    return []


def positions(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Yield (position, block, element) for every element of every block."""
    for index, block in enumerate(blocks):
        for number, element in enumerate(elements_of(block)):
            yield f"{index}.{number}", block, element


def find(blocks: list[dict[str, Any]], position: str) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    """Return (block, element, block_id) at a position, or None."""
    for found, block, element in positions(blocks):
        if found == position:
            return block, element, block_id(block, int(position.split(".", maxsplit=1)[0]))
    return None


def state_values(blocks: list[dict[str, Any]], form: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Return Slack's `state.values` ({block_id: {action_id: state}}) from submitted form fields."""
    values: dict[str, dict[str, Any]] = {}
    for position, block, element in positions(blocks):
        if element.get("type") not in STATEFUL:
            continue
        index = int(position.split(".")[0])
        action_id = str(element.get("action_id") or f"sa{position}")
        values.setdefault(block_id(block, index), {})[action_id] = read_state(element, form.get(f"o.{position}", []))
    return values


def _section(block: dict[str, Any], index: int, ctx: Ctx) -> str:
    parts = []
    if block.get("text"):
        parts.append(f'<div class="text">{text_object(block["text"], ctx.names)}</div>')
    if block.get("fields"):
        fields = "".join(f'<div class="field">{text_object(item, ctx.names)}</div>' for item in block["fields"])
        parts.append(f'<div class="fields">{fields}</div>')
    body = f'<div class="section-body">{"".join(parts)}</div>'
    accessory = block.get("accessory")
    if isinstance(accessory, dict):
        body += f'<div class="accessory">{element_html(accessory, f"{index}.0", ctx)}</div>'
    return f'<div class="bk section">{body}</div>'


def _context(block: dict[str, Any], ctx: Ctx) -> str:
    items = []
    for element in block.get("elements") or []:
        if element.get("type") == "image":
            items.append(f'<img class="ctx-img" src="{attr(safe_url(str(element.get("image_url", ""))))}" alt="">')
        else:
            items.append(f"<span>{text_object(element, ctx.names)}</span>")
    return f'<div class="bk context">{"".join(items)}</div>'


def _image(block: dict[str, Any], ctx: Ctx) -> str:
    title = text_object(block.get("title"), ctx.names)
    url = attr(safe_url(str(block.get("image_url", ""))))
    caption = f"<figcaption>{title}</figcaption>" if title else ""
    return f'<figure class="bk image">{caption}<img src="{url}" alt="{attr(block.get("alt_text", ""))}"></figure>'


def _input(block: dict[str, Any], index: int, ctx: Ctx) -> str:
    element = block.get("element") or {}
    label = text_object(block.get("label"), ctx.names)
    optional = ' <span class="optional">(optional)</span>' if block.get("optional") else ""
    hint = text_object(block.get("hint"), ctx.names)
    error = ctx.errors.get(block_id(block, index), "")
    return (
        f'<div class="bk input{" has-error" if error else ""}" data-block-id="{attr(block_id(block, index))}">'
        f'<label for="{ctx.id_prefix}{index}-0">{label}{optional}</label>{element_html(element, f"{index}.0", ctx)}'
        + (f'<div class="error" role="alert">{html.escape(error)}</div>' if error else "")
        + (f'<div class="hint">{hint}</div>' if hint else "")
        + "</div>"
    )


def _rich_text(block: dict[str, Any]) -> str:
    """Render a rich_text block's words (people's messages carry one; their text is rendered instead)."""
    words: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                words.append(html.escape(str(node.get("text", ""))))
            for child in node.get("elements") or []:
                walk(child)

    walk(block)
    return f'<div class="bk rich">{"".join(words)}</div>'


def _header(block: dict[str, Any], index: int, ctx: Ctx) -> str:
    return f'<div class="bk header">{text_object(block.get("text"), ctx.names)}</div>'


def _actions(block: dict[str, Any], index: int, ctx: Ctx) -> str:
    controls = "".join(element_html(element, f"{index}.{n}", ctx) for n, element in enumerate(elements_of(block)))
    return f'<div class="bk actions">{controls}</div>'


def _markdown(block: dict[str, Any], index: int, ctx: Ctx) -> str:
    return f'<div class="bk section"><div class="text">{html.escape(str(block.get("text", "")))}</div></div>'


_RENDERERS: dict[str, Callable[[dict[str, Any], int, Ctx], str]] = {
    "header": _header,
    "section": _section,
    "context": lambda block, _, ctx: _context(block, ctx),
    "divider": lambda *_: '<hr class="bk divider">',
    "actions": _actions,
    "image": lambda block, _, ctx: _image(block, ctx),
    "input": _input,
    "rich_text": lambda block, *_: _rich_text(block),
    "markdown": _markdown,
}


def block_html(block: dict[str, Any], index: int, ctx: Ctx) -> str:
    """Render one block (an unknown type shows as a note rather than vanishing)."""
    renderer = _RENDERERS.get(str(block.get("type")))
    if renderer is None:
        return f'<div class="bk unsupported">[{attr(block.get("type"))} block]</div>'
    return renderer(block, index, ctx)


def blocks_html(blocks: list[dict[str, Any]], ctx: Ctx) -> str:
    """Render a list of blocks."""
    return "".join(block_html(block, index, ctx) for index, block in enumerate(blocks) if isinstance(block, dict))
