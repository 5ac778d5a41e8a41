"""Fitting people's text into Slack's limits: cut with an ellipsis, never inside markup, lists say how many more."""

from __future__ import annotations

import json

import pytest

from opsdesk.slack.fit import ELLIPSIS, EMPTY, FENCE, allot, cap, fit, fit_lines, fit_serialised, share


def test_short_text_is_kept_and_long_text_is_cut_to_the_limit_with_an_ellipsis() -> None:
    assert fit("Database down", 150) == "Database down"
    cut = fit("x" * 3001, 3000)
    assert len(cut) == 3000 and cut.endswith(ELLIPSIS)


def test_blank_text_becomes_a_placeholder_because_slack_refuses_empty_text() -> None:
    assert fit("", 10) == EMPTY
    assert fit("  \n", 10, empty="Nothing.") == "Nothing."


@pytest.mark.parametrize("token", ["<@U0ALICE>", "<https://example.com/very/long|the runbook>", "<!date^1^{time}|x>"])
def test_a_cut_never_ends_inside_slack_markup(token: str) -> None:
    text = "a" * 90 + token + "b" * 50
    cut = fit(text, 95)
    assert "<" not in cut and cut == "a" * 90 + ELLIPSIS


def test_a_pasted_log_cut_inside_its_code_block_is_closed() -> None:
    log = "Here is the error:\n" + FENCE + "\n" + "Traceback line\n" * 400 + FENCE
    cut = fit(log, 3000)
    assert len(cut) <= 3000 and cut.endswith(ELLIPSIS + FENCE) and cut.count(FENCE) == 2


def test_lines_are_kept_whole_and_the_rest_are_counted() -> None:
    lines = [f"• REQ-{n:05d} waiting" for n in range(500)]
    text = fit_lines(lines, 1000)
    assert len(text) <= 1000
    shown = text.splitlines()
    assert all(line in lines for line in shown[:-1])
    assert shown[-1] == f"…and {500 - (len(shown) - 1)} more."


def test_lines_that_fit_are_joined_untouched_and_one_long_line_is_cut() -> None:
    assert fit_lines(["a", "b"], 100) == "a\nb"
    assert fit_lines([], 100, empty="Nothing.") == "Nothing."
    assert fit_lines(["y" * 5000], 3000, line_limit=500) == "y" * 499 + ELLIPSIS


def test_cap_keeps_the_first_items_and_counts_the_rest() -> None:
    assert cap(list(range(45)), 40) == (list(range(40)), 5)
    assert cap([1, 2], 40) == ([1, 2], 0)


def test_short_texts_keep_all_they_need_and_long_ones_share_the_rest() -> None:
    assert allot([10, 5000, 5000], 3010, [3000, 3000, 3000]) == [10, 1500, 1500]
    fitted = share(["short", "x" * 9000, "y" * 9000], 4000)
    assert fitted[0] == "short" and sum(map(len, fitted)) <= 4000


def test_serialised_metadata_is_shortened_until_its_escaped_form_fits() -> None:
    quoted = '"quoted" and ünïcödé ' * 200

    def build(text: str) -> str:
        return json.dumps({"channel": "C0OPS", "text": text})

    built = fit_serialised(build, quoted, 3000)
    assert len(built) <= 3000 and json.loads(built)["text"].endswith(ELLIPSIS)
