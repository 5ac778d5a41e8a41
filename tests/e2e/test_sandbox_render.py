"""The sandbox's Block Kit and mrkdwn rendering, without a browser: safe HTML, and form state read back as Slack's."""

from __future__ import annotations

import pytest

from devstack.sandbox.blocks import blocks_html, state_values
from devstack.sandbox.elements import Ctx
from devstack.sandbox.mrkdwn import Names, mrkdwn

NAMES = Names(lambda user: {"U0ALICE": "Alice Archer"}.get(user, user), lambda channel: {"C0OPS": "laa-ops"}[channel])


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("*Lead*\n<@U0ALICE>", '<b>Lead</b><br><span class="mention">@Alice Archer</span>'),
        ("in <#C0OPS>", 'in <span class="mention">#laa-ops</span>'),
        ("<!date^1795804896^{date_short_pretty}|27 Nov 18:41>", '<time class="date">27 Nov 18:41</time>'),
        ("`a<b>` _it_ ~no~", "<code>a&lt;b&gt;</code> <i>it</i> <s>no</s>"),
        ("2 * 3 * 4 and snake_case_name", "2 * 3 * 4 and snake_case_name"),
        ("&lt;b&gt; :rotating_light:", "&lt;b&gt; 🚨"),
    ],
)
def test_mrkdwn_basics(text: str, html: str) -> None:
    assert mrkdwn(text, NAMES) == html


def test_nothing_opsdesk_writes_becomes_markup_or_a_script_link() -> None:
    rendered = mrkdwn('<javascript:alert(1)|click> "><img src=x onerror=alert(1)>', NAMES)
    assert "javascript:" not in rendered
    assert "<img" not in rendered
    assert 'href="#"' in rendered


def test_a_modal_renders_inputs_errors_and_reads_state_back() -> None:
    blocks = [
        {"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "Title"},
         "element": {"type": "plain_text_input", "action_id": "title"}},
        {"type": "input", "block_id": "priority", "label": {"type": "plain_text", "text": "Priority"},
         "element": {"type": "static_select", "action_id": "priority", "options": [
             {"text": {"type": "plain_text", "text": "High"}, "value": "high"},
             {"text": {"type": "plain_text", "text": "Normal"}, "value": "normal"}]}},
        {"type": "actions", "elements": [{"type": "checkboxes", "action_id": "done", "options": [
            {"text": {"type": "mrkdwn", "text": "*A*"}, "value": "a"},
            {"text": {"type": "plain_text", "text": "B"}, "value": "b"}]}]},
    ]  # fmt: skip
    html = blocks_html(blocks, Ctx(NAMES, kind="view", errors={"title": "Say more <please>"}))
    assert 'name="o.0.0"' in html
    assert 'name="o.1.0"' in html
    assert "Say more &lt;please&gt;" in html
    values = state_values(blocks, {"o.0.0": ["Database down"], "o.1.0": ["high"], "o.2.0": ["a", "b"]})
    assert values["title"]["title"] == {"type": "plain_text_input", "value": "Database down"}
    assert values["priority"]["priority"]["selected_option"]["value"] == "high"
    assert [option["value"] for option in values["sb2"]["done"]["selected_options"]] == ["a", "b"]
