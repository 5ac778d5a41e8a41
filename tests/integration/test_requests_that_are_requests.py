"""Issue 14, "requests that are requests", through the real handlers: the team's own messages, "Track as
request", "Not a request", an incident declared from a request, and the out-of-hours reply."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.domain.requests import Stage
from opsdesk.slack.ids import Callback, Field
from opsdesk.slack.support_ids import SupportAction, SupportCallback
from opsdesk.store.requests import RequestRepository
from tests.integration.support_fixtures import (  # noqa: F401  # fixtures
    REQUESTER,
    ask,
    jira_api_fixture,
    request_id,
    stand_in_urls_fixture,
    stored,
    thread_texts,
    ts_at,
    utc,
)

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration
MONDAY_10 = utc(2026, 11, 30, 10, 0)
SATURDAY_11 = utc(2026, 11, 28, 11, 0)
RATING_QUESTION = "How happy"


def message(ts: str, user: str, text: str, **extra: str) -> dict[str, Any]:
    return {"type": "message", "user": user, "text": text, "ts": ts, **extra}


def track(stack: Stack, said: dict[str, Any], user: str, channel: str = "") -> None:
    stack.slack.message_shortcut(SupportCallback.TRACK, said, user, channel)


def told(stack: Stack, user: str) -> list[str]:
    return [str(item["text"]) for item in stack.slack_api.ephemeral_messages(user)]


def requests_stored(stack: Stack) -> int:
    repository = RequestRepository(stack.table_name)
    return sum(len(repository.list_stage(stage)) for stage in (Stage.TODO, Stage.IN_PROGRESS))


# ---- the support team's own messages


def test_a_support_team_message_is_not_a_request_until_they_track_it(stack: Stack) -> None:
    # GIVEN Alice, on the support team, posts an FYI in the ops channel
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10, "FYI: deploying the VPN change at 14:00", user="U0ALICE")
    # THEN it is not a request: no reaction, no panel, nothing stored
    assert RequestRepository(stack.table_name).find(stack.environment["OPS_CHANNEL_ID"], ts) is None
    assert not stack.slack_api.calls("reactions.add")
    assert thread_texts(stack, ts) == []

    # WHEN she uses "Track as request" on her own message, twice (a double click)
    said = message(ts, "U0ALICE", "Please rotate the staging DB password")
    track(stack, said, "U0ALICE")
    track(stack, said, "U0ALICE")
    # THEN it is one request of hers, acknowledged once, and she is told its id each time
    request = stored(stack, ts)
    assert (request.requester, request.stage, request.text) == (
        "U0ALICE",
        Stage.TODO,
        "Please rotate the staging DB password",
    )
    assert len(stack.slack_api.calls("reactions.add")) == 1
    assert sum(request.id in text for text in thread_texts(stack, ts)) == 1
    answers = told(stack, "U0ALICE")
    assert f"Tracking this as {request.id}" in answers[0]
    assert f"That message is already {request.id}" in answers[1]


def test_tracking_someone_elses_message_makes_them_the_requester(stack: Stack) -> None:
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10, "Can someone add me to the billing role?", user="U0CAROL")
    # WHEN Bob tracks Carol's message (both are on the team)
    track(stack, message(ts, "U0CAROL", "Can someone add me to the billing role?"), "U0BOB")
    # THEN Carol is the requester (she is the one asked for a rating), not Bob
    assert stored(stack, ts).requester == "U0CAROL"


def test_tracking_what_cannot_be_a_request_is_explained_and_stores_nothing(stack: Stack) -> None:
    stack.clock.now = MONDAY_10
    parent = ts_at(MONDAY_10, 1)
    # a reply in a thread, an app's message, a message in another channel
    track(stack, message(ts_at(MONDAY_10, 2), "U0ALICE", "a reply", thread_ts=parent), "U0ALICE")
    track(stack, {**message(ts_at(MONDAY_10, 3), "", "Deploy finished"), "bot_id": "B0CI"}, "U0ALICE")
    track(stack, message(ts_at(MONDAY_10, 4), "U0ALICE", "elsewhere"), "U0ALICE", stack.environment["TEAM_CHANNEL_ID"])
    answers = told(stack, "U0ALICE")
    assert any("not a reply in a thread" in text for text in answers)
    assert any("posted by an app" in text for text in answers)
    assert any("Only a message in the ops channel" in text for text in answers)
    assert requests_stored(stack) == 0


def test_a_requester_message_is_still_a_request(stack: Stack) -> None:
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    assert stored(stack, ts).requester == REQUESTER


# ---- Not a request


def test_not_a_request_closes_it_without_a_rating_and_out_of_the_numbers(stack: Stack) -> None:
    # GIVEN a "thanks!" from a requester, which opened a request, and a real one done and rated
    stack.clock.now = MONDAY_10
    thanks = ask(stack, MONDAY_10, "thanks all, that worked!")
    real = ask(stack, MONDAY_10 + timedelta(minutes=1), "Please open port 443 on the proxy")
    stack.slack.click(SupportAction.TAKE, request_id(stack, real), user="U0BOB")
    stack.clock.advance(minutes=20)
    stack.slack.submit(SupportCallback.DONE, {"resolution": "Opened it"}, request_id(stack, real), user="U0BOB")
    # WHEN the requester presses "Not a request" (refused), then Bob does, twice
    stack.slack.click(SupportAction.NOT_A_REQUEST, request_id(stack, thanks), user=REQUESTER)
    assert stored(stack, thanks).stage is Stage.TODO
    assert any("support team" in text for text in told(stack, REQUESTER))
    stack.slack.click(SupportAction.NOT_A_REQUEST, request_id(stack, thanks), user="U0BOB")
    stack.slack.click(SupportAction.NOT_A_REQUEST, request_id(stack, thanks), user="U0BOB")
    # THEN it is done as not a request, left the open list, and its requester was not asked for a rating
    closed = stored(stack, thanks)
    assert closed.stage is Stage.DONE and closed.not_a_request_by == "U0BOB"
    assert not any(RATING_QUESTION in text for text in thread_texts(stack, thanks))
    assert sum(RATING_QUESTION in text for text in thread_texts(stack, real)) == 1
    stack.slack.command("list", user="U0BOB", command="/support")
    assert request_id(stack, thanks) not in stack.slack_api.responses()[-1]["text"]
    # AND its panel says so, with no buttons left
    panel = next(m for m in stack.slack_api.thread(stack.environment["OPS_CHANNEL_ID"], thanks) if m["ts"] != thanks)
    assert "Not a request" in panel["text"] and "actions" not in str(panel.get("blocks"))
    # AND the numbers count only the real request
    stack.clock.advance(minutes=1)
    stack.slack.command("stats month", user="U0BOB", command="/ops")
    assert "Requests done: *1*" in stack.slack_api.responses()[-1]["text"]


def test_the_notrequest_command_closes_by_id_and_explains_bad_input(stack: Stack) -> None:
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10, "ok cheers")
    response = stack.slack.command("notrequest", user="U0ALICE", command="/support")
    assert "/support notrequest REQ-" in response["body"]
    stack.slack.command("notrequest REQ-ZZZZZ", user="U0ALICE", command="/support")
    assert "REQ-ZZZZZ" in stack.slack_api.responses()[-1]["text"]
    stack.slack.command(f"notrequest {request_id(stack, ts)}", user=REQUESTER, command="/support")
    assert stored(stack, ts).stage is Stage.TODO
    stack.slack.command(f"notrequest {request_id(stack, ts).lower()}", user="U0ALICE", command="/support")
    assert stored(stack, ts).not_a_request_by == "U0ALICE"
    assert "closed as not a request" in stack.slack_api.responses()[-1]["text"]


# ---- an incident declared from a request


def test_declaring_an_incident_from_a_request_links_them_until_it_is_resolved(stack: Stack) -> None:
    # GIVEN a request in the ops channel
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10, "The payments portal returns 502 for everyone")
    # WHEN Alice uses "Declare incident" on its message and submits the form
    said = message(ts, REQUESTER, "The payments portal returns 502")
    stack.slack.message_shortcut(Callback.DECLARE_SHORTCUT, said, "U0ALICE")
    [view] = [view for view in stack.slack_api.views() if view.get("callback_id") == Callback.DECLARE]
    stack.clock.advance(minutes=2)
    stack.slack.submit(
        Callback.DECLARE,
        {Field.TITLE: "Payments portal down", Field.PRIORITY: ("static_select", "high")},
        private_metadata=view["private_metadata"],
    )
    # THEN the incident knows the request, and the request shows the incident, In progress with Alice
    [incident] = entrypoints.wiring().incident_repository.list_open()
    assert incident.request_id == request_id(stack, ts)
    linked = stored(stack, ts)
    assert (linked.incident_id, linked.stage, linked.assignee) == (incident.id, Stage.IN_PROGRESS, "U0ALICE")
    texts = thread_texts(stack, ts)
    assert any(f"incident *{incident.id}*" in text for text in texts)
    assert sum(f"This is now incident *{incident.id}*" in text for text in texts) == 1

    # WHEN the incident is resolved
    stack.clock.advance(minutes=40)
    stack.slack.command(f"resolve {incident.id} Restarted the payment workers service: payments")
    # THEN the request is done, its resolution points to the incident, and its requester is asked once
    done = stored(stack, ts)
    assert done.stage is Stage.DONE
    assert done.resolution == f"Resolved with incident {incident.id}: Restarted the payment workers"
    assert sum(RATING_QUESTION in text for text in thread_texts(stack, ts)) == 1


def test_declaring_from_a_message_that_is_no_request_links_nothing(stack: Stack) -> None:
    stack.clock.now = MONDAY_10
    said = stack.slack_api.add_user_message(stack.environment["OPS_CHANNEL_ID"], "Alarm fired", "U0ALICE")
    stack.slack.message_shortcut(Callback.DECLARE_SHORTCUT, said, "U0ALICE")
    [view] = [view for view in stack.slack_api.views() if view.get("callback_id") == Callback.DECLARE]
    stack.slack.submit(
        Callback.DECLARE,
        {Field.TITLE: "Alarm fired", Field.PRIORITY: ("static_select", "normal")},
        private_metadata=view["private_metadata"],
    )
    [incident] = entrypoints.wiring().incident_repository.list_open()
    assert incident.request_id is None


# ---- out of hours


def test_out_of_hours_each_person_hears_once_per_period_when_support_resumes(stack: Stack) -> None:
    # GIVEN support closed on Friday at 18:00; WHEN a person asks three times on Saturday
    first = ask(stack, SATURDAY_11, "VPN is down")
    second = ask(stack, SATURDAY_11 + timedelta(minutes=5), "Still down")
    ask(stack, SATURDAY_11 + timedelta(minutes=5), "Still down")  # and Slack redelivers one
    other = ask(stack, SATURDAY_11 + timedelta(hours=1), "Me too", user="U0OTHER")
    # THEN they heard once, on their first request; the other person heard too
    replies = [text for ts in (first, second) for text in thread_texts(stack, ts) if "support resumes" in text]
    assert len(replies) == 1
    assert "Monday 30 November at 08:00 (UK time)" in replies[0]
    assert "08:00-18:00 UK time, Monday to Friday" in replies[0]
    assert "/incident" not in replies[0] and "pages" not in replies[0]  # paging is off: no promise of a page
    assert any("support resumes" in text for text in thread_texts(stack, other))
    # WHEN they ask again on Monday evening (a new out-of-hours period)
    evening = ask(stack, utc(2026, 11, 30, 19, 0), "VPN again")
    assert any("Tuesday" in text or "tomorrow" in text for text in thread_texts(stack, evening))


def test_out_of_hours_the_support_team_gets_no_reply(stack: Stack) -> None:
    ts = ask(stack, SATURDAY_11, "Tracking the weekend patching here", user="U0ALICE")
    track(stack, message(ts, "U0ALICE", "Tracking the weekend patching here"), "U0ALICE")
    assert stored(stack, ts).requester == "U0ALICE"
    assert not any("support resumes" in text for text in thread_texts(stack, ts))


@pytest.fixture
def paging_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGING_ENABLED", "true")


def test_out_of_hours_with_paging_on_says_when_a_page_goes_out_not_a_command(paging_on: None, stack: Stack) -> None:
    ts = ask(stack, SATURDAY_11, "Is the portal down?")
    [reply] = [text for text in thread_texts(stack, ts) if "support resumes" in text]
    # The requester is told what happens, and when (PAGING_OUT_OF_HOURS is "weekends"), never to run a
    # command only the support team may run.
    assert "pages the on-call engineer at weekends" in reply
    assert "/incident" not in reply and "`" not in reply
