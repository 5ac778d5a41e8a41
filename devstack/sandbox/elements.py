"""Block Kit interactive elements as HTML form controls named "o.<block>.<element>", the state read back."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devstack.sandbox.mrkdwn import plain, safe_url, text_object

if TYPE_CHECKING:
    from devstack.sandbox.mrkdwn import Names

# Element types whose value is part of `state.values`, and how the sandbox reads them back.
SINGLE_CHOICE = {"static_select", "external_select", "radio_buttons", "overflow"}
MULTI_CHOICE = {"multi_static_select", "multi_external_select", "checkboxes"}
PEOPLE = {"users_select", "multi_users_select"}
CHANNELS = {"conversations_select", "channels_select", "multi_conversations_select", "multi_channels_select"}
TEXT_LIKE = {"plain_text_input", "number_input", "email_text_input", "url_text_input", "datepicker", "timepicker"}
STATEFUL = SINGLE_CHOICE | MULTI_CHOICE | PEOPLE | CHANNELS | TEXT_LIKE | {"datetimepicker", "rich_text_input"}


@dataclass
class Ctx:
    """Where blocks are rendered: a message (every control acts at once) or a view (controls wait for submit)."""

    names: Names
    kind: str = "message"
    action_url: str = "/sandbox/do/act"
    people: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    drafts: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    id_prefix: str = ""  # views give controls ids, so input labels point at them

    def control_id(self, position: str) -> str:
        """Return ` id="..."` for a control in a view (messages need none)."""
        return f' id="{self.id_prefix}{position.replace(".", "-")}"' if self.id_prefix else ""

    @property
    def in_view(self) -> bool:
        """Return whether controls belong to a modal or home tab form."""
        return self.kind == "view"


def attr(value: object) -> str:
    """Return a value escaped for a double-quoted attribute."""
    return html.escape(str(value), quote=True)


def all_options(element: dict[str, Any]) -> list[dict[str, Any]]:
    """Return an element's options, flattening option groups."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _initial(element: dict[str, Any], key: str, ctx: Ctx) -> list[str]:
    if key in ctx.drafts:
        return ctx.drafts[key]
    for name in ("initial_option", "initial_user", "initial_conversation", "initial_channel"):
        value = element.get(name)
        if isinstance(value, dict):
            return [str(value.get("value", ""))]
        if isinstance(value, str):
            return [value]
    for name in ("initial_options", "initial_users", "initial_conversations", "initial_channels"):
        if isinstance(element.get(name), list):
            return [str(item.get("value", "")) if isinstance(item, dict) else str(item) for item in element[name]]
    for name in ("initial_value", "initial_date", "initial_time"):
        if element.get(name) is not None:
            return [str(element[name])]
    return []


def _acts_at_once(element: dict[str, Any], ctx: Ctx) -> bool:
    """In messages every control acts when changed; in views only buttons, overflows and dispatch_action ones."""
    return not ctx.in_view or element.get("type") == "overflow"


def _go_attrs(position: str, element: dict[str, Any], ctx: Ctx) -> str:
    if _acts_at_once(element, ctx):
        return f' data-el="{attr(position)}" data-post="{attr(ctx.action_url)}"'
    return ""


def _nojs_go(position: str, element: dict[str, Any], ctx: Ctx) -> str:
    if not _acts_at_once(element, ctx):
        return ""
    return f'<button class="go nojs" name="el" value="{attr(position)}" formaction="{attr(ctx.action_url)}">Go</button>'


def button(element: dict[str, Any], position: str, ctx: Ctx) -> str:
    """Render a button: a submit button naming its position, or a link when it has a url."""
    style = element.get("style") or "default"
    label = text_object(element.get("text"), ctx.names)
    if element.get("url"):
        return f'<a class="btn {attr(style)}" href="{attr(safe_url(str(element["url"])))}" target="_blank">{label}</a>'
    return (
        f'<button class="btn {attr(style)}" name="el" value="{attr(position)}" formaction="{attr(ctx.action_url)}"'
        f' data-action-id="{attr(element.get("action_id", ""))}">{label}</button>'
    )


def _select(element: dict[str, Any], position: str, ctx: Ctx, choices: list[tuple[str, str]]) -> str:
    key = f"o.{position}"
    chosen = set(_initial(element, key, ctx))
    multiple = element.get("type", "").startswith("multi_")
    placeholder = text_object(element.get("placeholder"), ctx.names) or (
        "⋯" if element["type"] == "overflow" else "Select…"
    )
    options = [] if multiple else [f'<option value="">{placeholder}</option>']
    options += [
        f'<option value="{attr(value)}"{" selected" if value in chosen else ""}>{label}</option>'
        for value, label in choices
    ]
    css = "overflow" if element["type"] == "overflow" else "select"
    return (
        f'<span class="control"><select class="{css}" name="{attr(key)}"{" multiple" if multiple else ""}'
        f"{ctx.control_id(position)}"
        f' data-action-id="{attr(element.get("action_id", ""))}"{_go_attrs(position, element, ctx)}>'
        + "".join(options)
        + f"</select>{_nojs_go(position, element, ctx)}</span>"
    )


def _choices(element: dict[str, Any], ctx: Ctx) -> list[tuple[str, str]]:
    kind = element["type"]
    if kind in PEOPLE:
        return list(ctx.people.items())
    if kind in CHANNELS:
        return [(channel, f"#{name}") for channel, name in ctx.channels.items()]
    return [
        (str(option.get("value", "")), text_object(option.get("text"), ctx.names)) for option in all_options(element)
    ]


def _toggles(element: dict[str, Any], position: str, ctx: Ctx) -> str:
    key = f"o.{position}"
    chosen = set(_initial(element, key, ctx))
    kind = "radio" if element["type"] == "radio_buttons" else "checkbox"
    rows = []
    for option in all_options(element):
        value = str(option.get("value", ""))
        description = text_object(option.get("description"), ctx.names)
        rows.append(
            f'<label class="toggle"><input type="{kind}" name="{attr(key)}" value="{attr(value)}"'
            f"{' checked' if value in chosen else ''}{_go_attrs(position, element, ctx)}>"
            f"<span>{text_object(option.get('text'), ctx.names)}"
            + (f'<small class="hint">{description}</small>' if description else "")
            + "</span></label>"
        )
    return f'<div class="toggles">{"".join(rows)}{_nojs_go(position, element, ctx)}</div>'


def _text_input(element: dict[str, Any], position: str, ctx: Ctx) -> str:
    key = f"o.{position}"
    value = next(iter(_initial(element, key, ctx)), "")
    placeholder = attr(plain(str((element.get("placeholder") or {}).get("text", "")), with_emoji=False))
    common = f'name="{attr(key)}"{ctx.control_id(position)} placeholder="{placeholder}"'
    common += f' data-action-id="{attr(element.get("action_id", ""))}"'
    if element.get("max_length"):
        common += f' maxlength="{int(element["max_length"])}"'
    if element.get("multiline"):
        return f'<textarea {common} rows="4">{html.escape(value)}</textarea>'
    kind = {
        "number_input": "number", "email_text_input": "email", "url_text_input": "url",
        "datepicker": "date", "timepicker": "time",
    }.get(element["type"], "text")  # fmt: skip
    return f'<input type="{kind}" {common} value="{attr(value)}">'


def element_html(element: dict[str, Any], position: str, ctx: Ctx) -> str:
    """Render any element: button, select, overflow, checkboxes, radios, text inputs, pickers, image."""
    kind = element.get("type", "")
    if kind == "button":
        return button(element, position, ctx)
    if kind == "image":
        url = attr(safe_url(str(element.get("image_url", ""))))
        return f'<img class="thumb" src="{url}" alt="{attr(element.get("alt_text", ""))}">'
    if kind in SINGLE_CHOICE | PEOPLE | CHANNELS | {"multi_static_select", "multi_external_select"}:
        return _select(element, position, ctx, _choices(element, ctx))
    if kind in {"checkboxes", "radio_buttons"}:
        return _toggles(element, position, ctx)
    if kind in TEXT_LIKE | {"rich_text_input"}:
        return _text_input(
            {**element, "type": "plain_text_input" if kind == "rich_text_input" else kind}, position, ctx
        )
    return f'<span class="unsupported">[{attr(kind or "unknown")} element]</span>'


def read_state(element: dict[str, Any], values: list[str]) -> dict[str, Any]:
    """Turn submitted form values back into the element's entry in Slack's `state.values`."""
    kind = element.get("type", "")
    state: dict[str, Any] = {"type": kind}
    picked = [value for value in values if value != ""]
    if kind in SINGLE_CHOICE:
        option = next((item for item in all_options(element) if str(item.get("value")) in picked[:1]), None)
        state["selected_option"] = option
    elif kind in MULTI_CHOICE:
        state["selected_options"] = [item for item in all_options(element) if str(item.get("value")) in picked]
    elif kind == "users_select":
        state["selected_user"] = picked[0] if picked else None
    elif kind == "multi_users_select":
        state["selected_users"] = picked
    elif kind in {"conversations_select", "channels_select"}:
        state["selected_conversation" if kind.startswith("conv") else "selected_channel"] = (
            picked[0] if picked else None
        )
    elif kind in {"multi_conversations_select", "multi_channels_select"}:
        state["selected_conversations" if "conv" in kind else "selected_channels"] = picked
    elif kind == "datepicker":
        state["selected_date"] = picked[0] if picked else None
    elif kind == "timepicker":
        state["selected_time"] = picked[0] if picked else None
    else:
        state["value"] = values[0] if values else None
    return state
