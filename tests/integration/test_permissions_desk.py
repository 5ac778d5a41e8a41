"""Who may decide on alerts and work the support desk, with the team as a list of ids or as a Slack user group.

GIVEN someone outside the support team (U0STRANGER), WHEN they click an alert's Declare incident or Not an
incident, forge the Not-an-incident or Done form, take a request, raise its ticket or track a team member's
message as a request, THEN they are told one polite private line and nothing changes.

With `SUPPORT_TEAM_IDS` naming a user group (`S…`), membership needs a Slack call (usergroups.users.list),
which the 3-second ack path does not make: a form opens for anyone, and only the flow, in the listener's lazy
half, refuses. The refusal is then still one private line: in the request's thread, or by DM when the form
that closed had no channel.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.domain.alerts import AlertStatus
from opsdesk.domain.requests import Stage
from opsdesk.flows.permissions import Permission, refusal
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.support_ids import SupportAction, SupportCallback, SupportField
from opsdesk.slack.views.mrkdwn import literal
from tests.integration.support_fixtures import (  # noqa: F401  # fixtures
    ask,
    jira_api_fixture,
    request_id,
    stand_in_urls_fixture,
    stored,
    utc,
)
from tests.integration.test_alerts import fire, team_alerts

if TYPE_CHECKING:
    from devstack.standins.jira import JiraStandIn
    from devstack.standins.slack import SlackStandIn
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

OUTSIDER = "U0STRANGER"
TEAM = ("U0ALICE", "U0BOB", "U0CAROL")
GROUP = "S0SUPPORT"
MONDAY_10 = utc(2026, 11, 30, 10, 0)


@pytest.fixture
def environment_overrides(request: pytest.FixtureRequest, slack_api: SlackStandIn, stand_in_urls: Any) -> Any:
    """The support team as `SUPPORT_TEAM_IDS` lists it (the default), or as a user group Slack resolves."""
    if getattr(request, "param", "ids") == "usergroup":
        slack_api.usergroups[GROUP] = list(TEAM)  # after the stand-in's reset (stand_in_urls)
        return {"SUPPORT_TEAM_IDS": GROUP}
    return {}


EITHER_TEAM = pytest.mark.parametrize("environment_overrides", ["ids", "usergroup"], indirect=True)


def said_to(stack: Stack, user: str = OUTSIDER, response: Any = None) -> list[str]:
    """Every line `user` was told: ephemeral messages, DMs, and a slash command's immediate answer."""
    lines = [str(item["text"]) for item in stack.slack_api.ephemeral_messages(user)]
    lines += [
        str(call["params"].get("text"))
        for call in stack.slack_api.calls("chat.postMessage")
        if call["params"].get("channel") == user
    ]
    body = (response or {}).get("body") or ""
    if body and not body.startswith("{"):
        lines.append(body)
    return lines


def form_errors(response: Any) -> list[str]:
    """The errors a modal submission's ack showed in the form (Slack keeps it open)."""
    body = json.loads(response.get("body") or "{}") if (response.get("body") or "").startswith("{") else {}
    return list(body.get("errors", {}).values()) if body.get("response_action") == "errors" else []


def posted_by_the_app(stack: Stack) -> int:
    """Messages, edits, reactions and forms the app made for anyone but the outsider."""
    methods = {"chat.postMessage", "chat.update", "reactions.add", "views.open"}
    return sum(
        1
        for call in stack.slack_api.calls()
        if call["method"] in methods and OUTSIDER not in (call["params"].get("channel"), call["params"].get("user"))
    )


# ---- "Track as request"


@EITHER_TEAM
def test_an_outsider_cannot_track_a_team_members_message_as_a_request(stack: Stack) -> None:
    # GIVEN Alice (support team) posts an FYI in the ops channel: not a request
    stack.clock.now = MONDAY_10
    text = "FYI: patching the bastions at noon"
    ts = ask(stack, MONDAY_10, text, user="U0ALICE")
    before = posted_by_the_app(stack)
    # WHEN someone outside the team uses "Track as request" on it
    message = {"type": "message", "user": "U0ALICE", "text": text, "ts": ts}
    stack.slack.message_shortcut(SupportCallback.TRACK, message, OUTSIDER)
    # THEN one line says who may (its `<what you need>` sent as Slack shows it), and nothing was written or posted
    assert said_to(stack) == [literal(refusal(Permission.TRACK_REQUEST))]
    assert entrypoints.wiring().desk.request_at(stack.environment["OPS_CHANNEL_ID"], ts) is None
    assert posted_by_the_app(stack) == before
    # AND Bob, on the team, may (so the refusal was about who, not what)
    stack.slack.message_shortcut(SupportCallback.TRACK, message, "U0BOB")
    assert stored(stack, ts).requester == "U0ALICE"


# ---- the alert's buttons and the Not-an-incident form


def alert_buttons(stack: Stack) -> dict[str, str]:
    [message] = team_alerts(stack)
    return {
        element["action_id"]: element["value"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


@pytest.mark.parametrize(
    ("action", "permission"),
    [(Action.ALERT_DECLARE, Permission.DECLARE), (Action.ALERT_DISMISS, Permission.DISMISS_ALERT)],
)
def test_an_outsiders_click_on_an_alert_is_refused_without_a_form(
    stack: Stack, action: Action, permission: Permission
) -> None:
    fire(stack, "prod-api-5xx")
    [group] = entrypoints.wiring().alerts.alerts.list_open()
    before = posted_by_the_app(stack)
    stack.slack.click(action, alert_buttons(stack)[action], user=OUTSIDER)
    assert said_to(stack) == [refusal(permission)]
    assert stack.slack_api.views() == []
    assert posted_by_the_app(stack) == before
    assert entrypoints.wiring().alerts.alerts.get(group.id).status is AlertStatus.OPEN
    assert entrypoints.wiring().incident_repository.list_open() == []


@EITHER_TEAM
def test_a_forged_not_an_incident_form_is_refused_for_the_user_slack_signed(stack: Stack) -> None:
    # GIVEN an open alert; WHEN the outsider submits the Not-an-incident form Slack signed for them, once as the
    # real form's metadata (the alert) and once claiming in it that Alice closes it
    fire(stack, "prod-api-5xx")
    [group] = entrypoints.wiring().alerts.alerts.list_open()
    before = posted_by_the_app(stack)
    forged = (group.id, json.dumps({"group": group.id, "user": "U0ALICE", "by": "U0ALICE"}))
    errors = []
    for metadata in forged:
        answer = stack.slack.submit(
            Callback.ALERT_DISMISS, {Field.DISMISS_REASON: "Load test"}, private_metadata=metadata, user=OUTSIDER
        )
        errors += form_errors(answer)
    # THEN each is refused once: in the form when the ack can tell (ids), else by one DM (the form had no channel)
    refused = refusal(Permission.DISMISS_ALERT)
    if stack.environment["SUPPORT_TEAM_IDS"] == GROUP:
        assert (errors, said_to(stack)) == ([], [refused, refused])
    else:
        assert (errors, said_to(stack)) == ([refused, refused], [])
    stored_group = entrypoints.wiring().alerts.alerts.get(group.id)
    assert (stored_group.status, stored_group.decided_by) == (AlertStatus.OPEN, None)
    assert posted_by_the_app(stack) == before


# ---- the support desk: Take, Done, Raise ticket


def a_request(stack: Stack) -> tuple[str, str]:
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    return ts, request_id(stack, ts)


@EITHER_TEAM
def test_an_outsider_cannot_take_a_request(stack: Stack) -> None:
    ts, rid = a_request(stack)
    before = posted_by_the_app(stack)
    stack.slack.click(SupportAction.TAKE, rid, user=OUTSIDER)
    assert said_to(stack) == [refusal(Permission.TAKE_REQUEST)]
    request = stored(stack, ts)
    assert (request.stage, request.assignee) == (Stage.TODO, None)
    assert posted_by_the_app(stack) == before


def test_an_outsiders_done_click_opens_no_form(stack: Stack) -> None:
    ts, rid = a_request(stack)
    stack.slack.click(SupportAction.DONE, rid, user=OUTSIDER)
    assert said_to(stack) == [refusal(Permission.FINISH_REQUEST)]
    assert stack.slack_api.views() == []
    assert stored(stack, ts).stage is Stage.TODO


@EITHER_TEAM
def test_a_forged_done_form_is_refused_and_the_request_stays_open(stack: Stack) -> None:
    # GIVEN Bob works on a request
    ts, rid = a_request(stack)
    stack.slack.click(SupportAction.TAKE, rid, user="U0BOB")
    before = posted_by_the_app(stack)
    # WHEN the outsider submits a Done form for it (Slack signed it for them)
    answer = stack.slack.submit(SupportCallback.DONE, {SupportField.RESOLUTION: "Nothing to do"}, rid, user=OUTSIDER)
    # THEN one line: in the form when the ack can tell, else privately in the request's thread
    refused = refusal(Permission.FINISH_REQUEST)
    if stack.environment["SUPPORT_TEAM_IDS"] == GROUP:
        assert (form_errors(answer), said_to(stack)) == ([], [refused])
        [line] = stack.slack_api.ephemeral_messages(OUTSIDER)
        assert (line["channel"], line.get("thread_ts")) == (stack.environment["OPS_CHANNEL_ID"], ts)
    else:
        assert (form_errors(answer), said_to(stack)) == ([refused], [])
    # AND the request is still Bob's, in progress, and nobody was asked for a rating
    request = stored(stack, ts)
    assert (request.stage, request.assignee, request.rating_asked) == (Stage.IN_PROGRESS, "U0BOB", False)
    assert posted_by_the_app(stack) == before


def test_an_outsider_cannot_raise_a_ticket(stack: Stack, jira_api: JiraStandIn) -> None:
    ts, rid = a_request(stack)
    before = posted_by_the_app(stack)
    stack.slack.click(SupportAction.RAISE_TICKET, rid, user=OUTSIDER)
    assert said_to(stack) == [refusal(Permission.RAISE_TICKET)]
    assert jira_api.issues() == []
    assert stored(stack, ts).ticket_key is None
    assert posted_by_the_app(stack) == before


# ---- a slash command, either team


@EITHER_TEAM
def test_an_outsiders_incident_update_is_refused_with_one_line(stack: Stack) -> None:
    stack.slack.command("declare high: Database down")
    [incident] = entrypoints.wiring().incident_repository.list_open()
    before = posted_by_the_app(stack)
    answer = stack.slack.command(f"update {incident.id} All fixed <https://evil.example|AWS console>", user=OUTSIDER)
    assert said_to(stack, response=answer) == [refusal(Permission.UPDATE)]
    stored_incident = entrypoints.wiring().incident_repository.get(incident.id)
    assert (stored_incident.last_update_text, stored_incident.version) == ("", incident.version)
    assert posted_by_the_app(stack) == before
