"""What opsdesk sends Jira as text (wiki markup escaped) and how it reads Jira's failures (retry or refusal)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from opsdesk.domain.tickets import TrackerRefused, TrackerUnavailable
from opsdesk.integrations.jira_errors import CREDENTIALS_REFUSED, classify
from opsdesk.integrations.jira_markup import REVERSE_SOLIDUS_OPERATOR, wiki_text


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("!http://evil.example/x.png!", "\\!http://evil.example/x.png\\!"),
        ("[click here|http://evil.example]", "\\[click here\\|http://evil.example\\]"),
        ("{html}<b>x</b>{html}", "\\{html\\}<b>x</b>\\{html\\}"),
        ("[~accountid:557058:abc]", "\\[\\~accountid:557058:abc\\]"),
        (
            "*bold* _em_ -gone- +ins+ ^sup^ ~sub~ ??cite??",
            "\\*bold\\* \\_em\\_ \\-gone\\- \\+ins\\+ \\^sup\\^ \\~sub\\~ \\?\\?cite\\?\\?",
        ),
        ("# one\nh1. big\nbq. quoted\n* item", "\\# one\nh1\\. big\nbq\\. quoted\n\\* item"),
        ("a | b || c", "a \\| b \\|\\| c"),
    ],
    ids=["image", "link", "html", "mention", "effects", "line-starts", "tables"],
)
def test_jira_markup_is_escaped(typed: str, sent: str) -> None:
    assert wiki_text(typed) == sent


def test_ordinary_text_and_links_read_as_they_were_written() -> None:
    text = "REQ-7K3QF: snake_case in https://example.slack.com/archives/C1/p1?thread_ts=1.2&cid=C1 (see a-b)"
    assert wiki_text(text) == text


def test_a_typed_backslash_cannot_undo_the_escape_after_it() -> None:
    # "\\" is Jira's line break: a typed backslash before "!" would otherwise leave the "!" live
    sent = wiki_text("C:\\temp \\!http://evil.example/x.png!")
    assert "\\\\" not in sent and REVERSE_SOLIDUS_OPERATOR in sent
    assert sent.endswith("\\!http://evil.example/x.png\\!")


@dataclass
class FakeResponse:
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeJiraError:
    """The attributes of jira.exceptions.JIRAError the classification reads."""

    status_code: int
    text: str = ""
    response: FakeResponse = field(default_factory=FakeResponse)


@pytest.mark.parametrize("status", [400, 403, 404, 410, 422])
def test_answers_a_retry_cannot_change_are_refusals_in_our_words_with_jiras_in_the_log(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    jiras_words = "The requested API has been removed. <!channel> <https://evil.example|https://id.atlassian.com>"
    error = classify(FakeJiraError(status, jiras_words), "look for the ticket")
    assert isinstance(error, TrackerRefused)
    said = str(error)
    assert said.startswith(f"Jira refused to look for the ticket (HTTP {status}): ") and "an operator should" in said
    assert "removed" not in said and "<" not in said and "opsdesk's log" in said
    [logged] = [record for record in caplog.records if getattr(record, "reason", None)]
    assert logged.reason == jiras_words and logged.status == status  # type: ignore[attr-defined]


@pytest.mark.parametrize("status", [0, 408, 429, 500, 502, 503, 504])
def test_busy_or_unreachable_is_worth_retrying(status: int) -> None:
    assert isinstance(classify(FakeJiraError(status), "create a ticket"), TrackerUnavailable)


def test_a_429_says_how_long_jira_asked_to_wait() -> None:
    error = classify(FakeJiraError(429, response=FakeResponse({"Retry-After": "30"})), "create a ticket")
    assert "wait 30 s" in str(error)


def test_a_401_names_the_credentials_to_check() -> None:
    assert str(classify(FakeJiraError(401), "create a ticket")) == CREDENTIALS_REFUSED
