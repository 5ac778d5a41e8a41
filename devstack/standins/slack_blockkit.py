"""How Slack judges Block Kit before it posts a message or opens a view.

Slack refuses what it cannot render: `invalid_blocks` on chat methods, `invalid_arguments`
on views, each problem named with a JSON pointer. The limits slack_sdk's models know are
checked by those models (`validate_json()` on every block, element, option and text object
found in the payload, so each refusal carries the pointer of the object that broke it); the
rules the models leave out are written here, each beside its public source.

Sources of the shape: a refused `chat.postMessage` answers
`{"ok": false, "error": "invalid_blocks", "errors": ["must be less than 3001 characters
[json-pointer:/blocks/0/text/text]"], "response_metadata": {"messages": ["[ERROR] must be less
than 3001 characters [json-pointer:/blocks/0/text/text]"]}}` (quoted from a real answer in
https://brainxx.org/blog/fixing-slack-api-error-message); a refused view answers
`invalid_arguments` with only `response_metadata.messages`, e.g. "[ERROR] no more than 100
items allowed [json-pointer:/view/blocks]" (grafana/oncall pull request 210).
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, BlockElement, ConfirmObject, Option, OptionGroup
from slack_sdk.models.views import View

# "You can include up to 50 blocks in each message, and 100 blocks in modals or Home tabs."
# https://docs.slack.dev/reference/block-kit/blocks (slack_sdk's View checks the 100; nothing checks the 50)
MESSAGE_BLOCKS = 50
# Section `fields`: "Maximum number of items is 10. Maximum length for the text in each item is 2000
# characters." https://docs.slack.dev/reference/block-kit/blocks/section-block (slack_sdk checks the count only).
FIELD_TEXT = 2000
# Every text object: "The minimum length is 1 and maximum length is 3000 characters."
# https://docs.slack.dev/reference/block-kit/composition-objects/text-object (slack_sdk checks neither end).
TEXT_OBJECT = 3000
# A message's blocks together: Slack answers `msg_blocks_too_long` (no details) well before 50 full sections.
# The limit is not documented for section blocks; 12,000 is the documented cumulative limit of markdown blocks
# (https://docs.slack.dev/reference/block-kit/blocks/markdown-block) and the size reported in bolt-js issues
# 2509 (refused at about 13,200 characters) and 2867 (asking Slack to document it). Modelled at 12,000 characters
# of text, which is no kinder than the reports.
BLOCKS_TEXT = 12_000
# "block_id ... should be unique for each message and each iteration of a message."
# https://docs.slack.dev/reference/block-kit/blocks (a duplicate is refused)
_TEXT_TYPES = {"plain_text", "mrkdwn"}
_TEXT_KEYS = {"text", "title", "label", "hint", "placeholder", "submit", "close", "description", "confirm", "deny"}
_ELEMENT_KEYS = {"accessory", "element"}
_PARSERS: dict[str, Any] = {
    "accessory": BlockElement.parse,
    "element": BlockElement.parse,
    "elements": BlockElement.parse,
    "options": lambda item: Option(**item),
    "initial_options": lambda item: Option(**item),
    "initial_option": lambda item: Option(**item),
    "option_groups": lambda item: OptionGroup(**item),
}


class Refusal(Exception):
    """Slack's refusal: an error code and the problems it names (each with its JSON pointer)."""

    def __init__(self, code: str, problems: list[str] | None = None, *, listed: bool = True) -> None:
        super().__init__(code)
        self.code = code
        self.problems = problems or []
        self.listed = listed  # chat methods list the problems under "errors" too; views do not

    def body(self) -> dict[str, Any]:
        """Return the answer Slack gives for this refusal."""
        body: dict[str, Any] = {"ok": False, "error": self.code}
        if self.problems and self.listed:
            body["errors"] = list(self.problems)
        if self.problems:
            body["response_metadata"] = {"messages": [f"[ERROR] {problem}" for problem in self.problems]}
        return body


def judge_message(blocks: Any) -> None:
    """Refuse a message's blocks as chat.postMessage / chat.update / chat.postEphemeral would."""
    if blocks in (None, "", []):
        return
    if not isinstance(blocks, list):
        raise Refusal("invalid_blocks_format")  # https://docs.slack.dev/reference/methods/chat.postMessage
    problems = _judge_blocks(blocks, "/blocks", MESSAGE_BLOCKS)
    if problems:
        raise Refusal("invalid_blocks", problems)
    if sum(len(text) for text in _texts(blocks)) > BLOCKS_TEXT:
        raise Refusal("msg_blocks_too_long")


def judge_view(view: Any) -> None:
    """Refuse a view as views.open / views.push / views.update / views.publish would."""
    if not isinstance(view, dict):
        raise Refusal("invalid_arguments", ["must be an object [json-pointer:/view]"], listed=False)
    problems = []
    try:
        # The view's own fields (title 24, submit and close 24, private_metadata 3000, blocks 1 to 100, ...).
        View(**view).validate_json()
    except Exception as error:  # slack_sdk raises SlackObjectFormationError, or TypeError on a wrong field
        problems.append(f"{error} [json-pointer:/view]")
    problems += _judge_text_fields(view, "/view")
    problems += _judge_blocks(view.get("blocks") or [], "/view/blocks", most=None)
    if problems:
        raise Refusal("invalid_arguments", problems, listed=False)


def _judge_blocks(blocks: Any, pointer: str, most: int | None) -> list[str]:
    """Judge each block; `most` is the count limit when slack_sdk does not check it (messages)."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    problems = []
    if most is not None and len(blocks) > most:
        problems.append(f"no more than {most} items allowed [json-pointer:{pointer}]")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        problems += _judge(block, where, Block.parse)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id:
            if block_id in seen:
                problems.append(f"duplicate block_id [json-pointer:{where}/block_id]")
            seen.add(block_id)
    return problems


def _judge(node: Any, pointer: str, parse: Any) -> list[str]:
    """Validate one object with its slack_sdk model, then its children."""
    if not isinstance(node, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    try:
        model = parse(dict(node))
        if model is None:
            return [f"unsupported type: {node.get('type')} [json-pointer:{pointer}/type]"]
        model.validate_json()
    except Exception as error:  # the model's own refusal, or a malformed field it could not even read
        return [f"{error} [json-pointer:{pointer}]"]
    problems = _judge_text_fields(node, pointer)
    for key, value in node.items():
        for child, where in _children(node, key, value, f"{pointer}/{key}"):
            if key == "fields":
                problems += _judge_text(child, where, most=FIELD_TEXT)
            elif isinstance(child, dict) and child.get("type") in _TEXT_TYPES:  # a context block's text
                problems += _judge_text(child, where)
            else:
                problems += _judge(child, where, _PARSERS[key])
    return problems


def _children(node: dict[str, Any], key: str, value: Any, pointer: str) -> list[tuple[Any, str]]:
    """The objects under `key` that have a model of their own, each with its pointer."""
    if key == "elements" and node.get("type") not in ("actions", "context"):
        return []  # rich text elements: not judged
    if key not in _PARSERS and key != "fields":
        return []
    if isinstance(value, list):
        return [(item, f"{pointer}/{index}") for index, item in enumerate(value)]
    return [(value, pointer)] if key in _ELEMENT_KEYS or key == "initial_option" else []


def _judge_text_fields(node: dict[str, Any], pointer: str) -> list[str]:
    problems = []
    for key in _TEXT_KEYS & node.keys():
        value = node[key]
        if isinstance(value, dict) and value.get("type") in _TEXT_TYPES:
            problems += _judge_text(value, f"{pointer}/{key}")
        elif key == "confirm" and isinstance(value, dict):
            problems += _judge(value, f"{pointer}/{key}", ConfirmObject.parse)
    return problems


def _judge_text(node: Any, pointer: str, most: int = TEXT_OBJECT) -> list[str]:
    """The text object rules slack_sdk leaves out: 1 to 3,000 characters (2,000 in section fields)."""
    if not isinstance(node, dict) or node.get("type") not in _TEXT_TYPES:
        return [f"failed to match all allowed schemas [json-pointer:{pointer}]"]
    text = node.get("text")
    if not isinstance(text, str):
        return [f"must be a string [json-pointer:{pointer}/text]"]
    if not text:
        return [f"must be more than 0 characters [json-pointer:{pointer}/text]"]
    if len(text) > most:
        return [f"must be less than {most + 1} characters [json-pointer:{pointer}/text]"]
    return []


def _texts(node: Any) -> list[str]:
    """Every text string inside blocks (what Slack's cumulative limit counts)."""
    if isinstance(node, list):
        return [text for item in node for text in _texts(item)]
    if isinstance(node, dict) and node.get("type") in _TEXT_TYPES:
        return [node["text"]] if isinstance(node.get("text"), str) else []
    if isinstance(node, dict):
        return [text for value in node.values() for text in _texts(value)]
    return []
