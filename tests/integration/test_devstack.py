"""The local stack itself: template parsing, resources in moto, cron, the API and the stand-ins (loopback only)."""

from __future__ import annotations

import dataclasses
import json
import os
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from unittest import mock
from urllib.parse import parse_qs

import pytest
import requests
from jira import JIRA, JIRAError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from devstack.api import LocalApi, extra_routes, register_route
from devstack.aws import client, create_resources, start_moto
from devstack.runtime import FunctionError, Runtime
from devstack.scheduler import Scheduler, next_fire_times, scheduler_event
from devstack.send import event_body, interaction_body, signed_headers, slash_command_body
from devstack.settings import LOCAL_ROUTING_KEY, TEMPLATE_PATH, local_environment
from devstack.standins import JiraStandIn, PagerDutyStandIn, SlackStandIn
from devstack.template import Template, load_template

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devstack.aws import LocalAws

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  OpsChannelId: {Type: String, Default: CPROD}
  PagingEnabled: {Type: String, Default: "false"}
Conditions:
  PagingOn: !Equals [!Ref PagingEnabled, "true"]
Globals:
  Function:
    Handler: app.lambda_handler
    Timeout: 7
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        OPS_CHANNEL_ID: !Ref OpsChannelId
        TOPIC_ARN: !Ref Topic
        PAGING: !If [PagingOn, "on", !Ref AWS::NoValue]
        IMPORTED: !ImportValue elsewhere
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-table"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: S}
        - {AttributeName: gsi1pk, AttributeType: S}
        - {AttributeName: gsi1sk, AttributeType: S}
      KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: sk, KeyType: RANGE}]
      GlobalSecondaryIndexes:
        - IndexName: gsi1
          KeySchema: [{AttributeName: gsi1pk, KeyType: HASH}, {AttributeName: gsi1sk, KeyType: RANGE}]
          Projection: {ProjectionType: ALL}
      TimeToLiveSpecification: {AttributeName: expires_at, Enabled: true}
      SSESpecification: {SSEEnabled: true}
  Topic: {Type: AWS::SNS::Topic}
  Queue: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 30}}
  PagerTopic: {Type: AWS::SNS::Topic, Condition: PagingOn}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: echo_fn/
      Environment: {Variables: {FUNCTION_ONLY: !Sub "${AWS::StackName}-${AWS::Region}"}}
      Events:
        Item: {Type: Api, Properties: {Path: "/items/{id}", Method: get}}
        Upload: {Type: Api, Properties: {Path: /upload, Method: post}}
        Alarm: {Type: SNS, Properties: {Topic: !Ref Topic}}
        StartOfDay:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 8 ? * MON-FRI *)
            ScheduleExpressionTimezone: Europe/London
            Input: '{"job": "start-of-day", "time": "<aws.scheduler.scheduled-time>",
              "schedule_arn": "<aws.scheduler.schedule-arn>", "attempt_number": "<aws.scheduler.attempt-number>"}'
"""

ECHO_HANDLER = """
import json, os

def lambda_handler(event, context):
    if event.get("explode"):
        raise ValueError("boom")
    if "httpMethod" not in event:
        return {"echo": event, "table": os.environ["TABLE_NAME"], "function": context.function_name}
    return {"statusCode": 201, "headers": {"Content-Type": "application/json", "X-Echo": "1"},
            "body": json.dumps({"event": event, "remaining_ms": context.get_remaining_time_in_millis()})}
"""


@pytest.fixture
def template(tmp_path: Path) -> Template:
    (tmp_path / "echo_fn").mkdir()
    (tmp_path / "echo_fn" / "app.py").write_text(textwrap.dedent(ECHO_HANDLER))
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return load_template(tmp_path / "template.yaml")


@pytest.fixture(scope="module")
def moto() -> Iterator[LocalAws]:
    aws = start_moto(port=0, use_existing=False)
    yield aws
    aws.stop()


def test_template_reads_short_tags_and_resolves_local_values(template: Template) -> None:
    (function,) = template.functions()

    assert template.document["Resources"]["Table"]["Properties"]["TableName"] == {"Fn::Sub": "${AWS::StackName}-table"}
    assert function.handler == "app.lambda_handler"
    assert function.timeout == 7
    assert function.code_uri == template.root / "echo_fn"
    assert function.environment == {
        "TABLE_NAME": "opsdesk-local-table",
        "OPS_CHANNEL_ID": "CPROD",
        "TOPIC_ARN": "arn:aws:sns:eu-west-2:123456789012:opsdesk-local-Topic",
        "PAGING": None,  # AWS::NoValue
        "IMPORTED": None,  # unresolvable locally
        "FUNCTION_ONLY": "opsdesk-local-eu-west-2",
    }
    assert [(route.method, route.path) for route in template.api_routes()] == [
        ("GET", "/items/{id}"),
        ("POST", "/upload"),
    ]
    (schedule,) = template.schedules()
    assert (schedule.event_name, schedule.expression, schedule.timezone) == (
        "StartOfDay",
        "cron(0 8 ? * MON-FRI *)",
        "Europe/London",
    )
    assert "<aws.scheduler.scheduled-time>" in (schedule.input or "")
    assert [(source.type, source.properties["Topic"]) for source in template.event_sources()] == [
        ("SNS", "arn:aws:sns:eu-west-2:123456789012:opsdesk-local-Topic")
    ]
    assert [topic.logical_id for topic in template.topics()] == ["Topic"]  # PagerTopic's condition is false
    assert template.table_name() == "opsdesk-local-table"


def test_parameter_overrides_flip_conditions(tmp_path: Path) -> None:
    overridden = Template.from_text(TEMPLATE, root=tmp_path, parameter_overrides={"PagingEnabled": "true"})

    assert overridden.functions()[0].environment["PAGING"] == "on"
    assert [topic.logical_id for topic in overridden.topics()] == ["Topic", "PagerTopic"]


@pytest.mark.skipif(not TEMPLATE_PATH.exists(), reason="template.yaml is not written yet")
def test_project_template_lists_what_make_run_serves() -> None:
    template = load_template(TEMPLATE_PATH)

    assert template.tables(), "the stack needs its table"
    for function in template.functions():
        assert function.code_uri.is_dir(), function.logical_id
    for schedule in template.schedules():
        assert next_fire_times(schedule.expression, schedule.timezone, datetime(2026, 1, 5, tzinfo=UTC))
    assert {route.path for route in template.api_routes()} >= {"/slack/commands"}


def test_create_resources_builds_the_table_from_the_template(template: Template, moto: LocalAws) -> None:
    created = create_resources(template, moto.endpoint_url)
    create_resources(template, moto.endpoint_url)  # idempotent

    dynamodb = client("dynamodb", moto.endpoint_url)
    table = dynamodb.describe_table(TableName=created["Table"])["Table"]
    assert [key["AttributeName"] for key in table["KeySchema"]] == ["pk", "sk"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    (index,) = table["GlobalSecondaryIndexes"]
    assert (index["IndexName"], [key["AttributeName"] for key in index["KeySchema"]]) == ("gsi1", ["gsi1pk", "gsi1sk"])
    ttl = dynamodb.describe_time_to_live(TableName=created["Table"])["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    assert created["Topic"] == "arn:aws:sns:eu-west-2:123456789012:opsdesk-local-Topic"
    assert (
        client("sqs", moto.endpoint_url).get_queue_url(QueueName="opsdesk-local-Queue")["QueueUrl"] == created["Queue"]
    )


def test_scheduler_event_fills_the_placeholders_with_the_scheduled_minute(template: Template) -> None:
    (schedule,) = template.schedules()

    event = scheduler_event(schedule, datetime(2026, 10, 26, 8, 0, 0, tzinfo=UTC))

    assert event == {
        "job": "start-of-day",
        "time": "2026-10-26T08:00:00Z",
        "schedule_arn": f"arn:aws:scheduler:eu-west-2:123456789012:schedule/default/{schedule.name}",
        "attempt_number": "1",
    }


def test_local_environment_defaults_lose_to_the_developers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPS_CHANNEL_ID", "C0MINE")

    env = local_environment({"slack": "http://127.0.0.1:1", "pagerduty": "http://127.0.0.1:2"}, table_name="t")

    assert env["OPS_CHANNEL_ID"] == "C0MINE"
    assert env["TEAM_CHANNEL_ID"] == "C0TEAM"
    assert env["SLACK_API_URL"] == "http://127.0.0.1:1/api/"
    assert env["PAGERDUTY_EVENTS_URL"] == "http://127.0.0.1:2/v2/enqueue"
    assert env["TABLE_NAME"] == "t"
    assert "SECRETS_ARN" not in env
    assert len(LOCAL_ROUTING_KEY) == 32


@pytest.fixture
def local_api(template: Template) -> Iterator[LocalApi]:
    # Handlers run in-process, so the runtime writes their settings into os.environ: restore it afterwards.
    with mock.patch.dict(os.environ):
        runtime = Runtime(template, local_environment({}, table_name="opsdesk-local-table"))
        with SlackStandIn() as slack, LocalApi(runtime, stand_ins={"slack": slack}, port=0) as api:
            yield api
    extra_routes.clear()


def test_api_passes_a_rest_proxy_event_and_returns_the_proxy_response(local_api: LocalApi) -> None:
    response = requests.get(f"{local_api.url}/items/42?tag=a&tag=b", headers={"X-Trace": "t1"}, timeout=10)

    assert (response.status_code, response.headers["X-Echo"]) == (201, "1")
    event = response.json()["event"]
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/items/{id}", "/items/42", "GET")
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["headers"]["X-Trace"] == "t1"
    assert event["requestContext"]["resourcePath"] == "/items/{id}"
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert (event["body"], event["isBase64Encoded"], event["stageVariables"]) == (None, False, None)
    assert 0 < response.json()["remaining_ms"] <= 7000


def test_api_base64_encodes_binary_bodies_and_answers_like_api_gateway(local_api: LocalApi) -> None:
    binary = requests.post(
        f"{local_api.url}/upload", data=b"\x89PNG\x00", headers={"Content-Type": "image/png"}, timeout=10
    )
    text = requests.post(
        f"{local_api.url}/upload",
        data="a=1&b=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )

    assert binary.json()["event"]["isBase64Encoded"] is True
    assert binary.json()["event"]["body"] == "iVBORwA="
    assert text.json()["event"]["body"] == "a=1&b=2"
    assert requests.get(f"{local_api.url}/nowhere", timeout=10).status_code == 403
    assert requests.delete(f"{local_api.url}/items/1", timeout=10).json() == {"message": "Missing Authentication Token"}
    assert requests.post(f"{local_api.url}/items/1", timeout=10).status_code == 403


def test_api_passes_header_names_as_sent_and_reads_chunked_bodies(local_api: LocalApi) -> None:
    response = requests.post(
        f"{local_api.url}/upload",
        data=iter([b"a=1", b"&b=2"]),  # no Content-Length: Transfer-Encoding: chunked
        headers={"content-type": "application/x-www-form-urlencoded", "x-lower-case": "kept"},
        timeout=10,
    )

    event = response.json()["event"]
    assert event["body"] == "a=1&b=2"
    assert event["headers"]["x-lower-case"] == "kept"
    assert event["multiValueHeaders"]["content-type"] == ["application/x-www-form-urlencoded"]
    assert requests.head(f"{local_api.url}/items/1", timeout=10).status_code == 403


def test_local_invoke_runs_any_function_like_sam_local_invoke(local_api: LocalApi) -> None:
    result = requests.post(f"{local_api.url}/_local/invoke/EchoFunction", json={"job": "x"}, timeout=10)
    failure = requests.post(f"{local_api.url}/_local/invoke/EchoFunction", json={"explode": True}, timeout=10)

    assert result.json() == {
        "echo": {"job": "x"},
        "table": "opsdesk-local-table",
        "function": "opsdesk-local-EchoFunction",
    }
    assert failure.headers["X-Amz-Function-Error"] == "Unhandled"
    assert (failure.json()["errorType"], failure.json()["errorMessage"]) == ("ValueError", "boom")
    assert requests.post(f"{local_api.url}/_local/invoke/Nope", json={}, timeout=10).status_code == 404
    with pytest.raises(FunctionError):
        local_api.runtime.invoke("EchoFunction", {"explode": True})


def test_mounted_routes_and_recorded_calls(local_api: LocalApi) -> None:
    assert "/items/{id}" in requests.get(f"{local_api.url}/", timeout=10).text
    register_route("GET", "/", lambda request: (200, {"Content-Type": "text/html"}, "<h1>sandbox</h1>"))
    register_route("*", "/sandbox/", lambda request: (200, {}, f"sandbox {request.method} {request.path}"))
    WebClient(token="xoxb-1", base_url=f"{local_api.stand_ins['slack'].url}/api/").auth_test()

    assert requests.get(f"{local_api.url}/", timeout=10).text == "<h1>sandbox</h1>"
    assert requests.post(f"{local_api.url}/sandbox/a/b", timeout=10).text == "sandbox POST /sandbox/a/b"
    assert [call["name"] for call in requests.get(f"{local_api.url}/_local/calls", timeout=10).json()["slack"]] == [
        "auth.test"
    ]
    requests.post(f"{local_api.url}/_local/reset", timeout=10)
    assert requests.get(f"{local_api.url}/_local/calls", timeout=10).json() == {"slack": []}


def test_send_helpers_build_signed_slack_bodies() -> None:
    body = slash_command_body("/incident", "declare Database down", "U0BOB", "C0OPS")
    headers = signed_headers(body, "secret")

    form = {key: values[0] for key, values in parse_qs(body).items()}
    assert (form["command"], form["text"], form["user_id"], form["channel_id"]) == (
        "/incident",
        "declare Database down",
        "U0BOB",
        "C0OPS",
    )
    assert form["response_url"].endswith(tuple("0123456789abcdef")) and "/response/C0OPS-U0BOB-" in form["response_url"]
    assert SignatureVerifier("secret").is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert json.loads(parse_qs(interaction_body({"type": "block_actions"}))["payload"][0]) == {"type": "block_actions"}
    assert json.loads(event_body({"type": "message", "text": "hi"}))["event"]["text"] == "hi"


def test_slack_stand_in_behaves_like_the_web_api() -> None:
    with SlackStandIn(token="xoxb-local") as slack:
        slack.invite("C0OPS")
        web = WebClient(token="xoxb-local", base_url=f"{slack.url}/api/")
        posted = web.chat_postMessage(channel="C0OPS", text="Incident declared", blocks=[{"type": "divider"}])
        web.chat_update(channel="C0OPS", ts=posted["ts"], text="Incident resolved")
        reply = web.chat_postMessage(channel="C0OPS", text="in the thread", thread_ts=posted["ts"])

        (message,) = [m for m in slack.messages("C0OPS") if m["ts"] == posted["ts"]]
        assert (message["text"], message["edits"][0]["text"]) == ("Incident resolved", "Incident declared")
        assert float(reply["ts"]) > float(posted["ts"])
        thread = web.conversations_replies(channel="C0OPS", ts=posted["ts"])["messages"]
        assert [m["text"] for m in thread] == ["Incident resolved", "in the thread"]
        assert web.conversations_open(users="U0ALICE")["channel"]["id"].startswith("D")
        assert web.users_info(user="U0ALICE")["user"]["tz"] == "Europe/London"
        with pytest.raises(SlackApiError) as unknown:
            web.api_call("nope.never")
        assert unknown.value.response["error"] == "unknown_method"
        with pytest.raises(SlackApiError) as bad_token:
            WebClient(token="xoxb-wrong", base_url=f"{slack.url}/api/").auth_test()
        assert bad_token.value.response["error"] == "invalid_auth"

        slack.fail_next("chat.postMessage", 429, headers={"Retry-After": "7"})
        with pytest.raises(SlackApiError) as limited:
            web.chat_postMessage(channel="C0OPS", text="too fast")
        assert (limited.value.response.status_code, limited.value.response.headers["Retry-After"]) == (429, "7")
        assert web.chat_postMessage(channel="C0OPS", text="later")["ok"]
        assert [call["status"] for call in slack.calls("chat.postMessage")][-2:] == [429, 200]


def test_jira_stand_in_serves_the_real_client() -> None:
    with JiraStandIn(credentials=("ops@example.com", "token")) as jira_api:
        jira = JIRA(server=jira_api.url, basic_auth=("ops@example.com", "token"))  # serverInfo says Cloud

        issue = jira.create_issue(
            project="OPS", summary="Export fails", issuetype={"name": "Task"}, labels=["opsdesk-req-c0ops-1"]
        )
        label_jql = 'project = "OPS" AND labels = "opsdesk-req-c0ops-1"'
        board_jql = 'project = "OPS" AND assignee is EMPTY AND statusCategory != Done'
        found = jira.enhanced_search_issues(label_jql, fields="summary", reconcileIssues=[int(issue.id)])
        jira.add_comment(issue.key, "More context from Slack")
        names = [transition["name"] for transition in jira.transitions(issue.key)]
        jira.transition_issue(issue.key, "Done")

        assert issue.key == "OPS-1"
        assert [item.key for item in found] == ["OPS-1"]
        assert names == ["In Progress", "Done"]
        stored = jira_api.issue("OPS-1") or {}
        assert stored["fields"]["status"]["name"] == "Done"
        assert [comment["body"] for comment in stored["fields"]["comment"]["comments"]] == ["More context from Slack"]
        assert jira.enhanced_search_issues(board_jql, fields="summary") == []
        # Without serverInfo the client calls the search Jira Cloud removed (CHANGE-2046).
        blind = JIRA(server=jira_api.url, basic_auth=("ops@example.com", "token"), get_server_info=False)
        with pytest.raises(JIRAError) as removed:
            blind.search_issues(label_jql)
        assert removed.value.status_code == 410
        with pytest.raises(JIRAError) as unauthorised:
            JIRA(server=jira_api.url, basic_auth=("ops@example.com", "wrong"), get_server_info=False).issue("OPS-1")
        assert unauthorised.value.status_code == 401


def _enqueue(url: str, **event: Any) -> requests.Response:
    return requests.post(f"{url}/v2/enqueue", json={"routing_key": LOCAL_ROUTING_KEY, **event}, timeout=10)


def test_pagerduty_stand_in_deduplicates_and_reopens_after_resolve() -> None:
    payload = {"summary": "Database down", "source": "opsdesk", "severity": "critical"}
    with PagerDutyStandIn() as pagerduty:
        first = _enqueue(pagerduty.url, event_action="trigger", dedup_key="INC-1", payload=payload)
        _enqueue(pagerduty.url, event_action="trigger", dedup_key="INC-1", payload=payload)
        assert (first.status_code, first.json()) == (
            202,
            {"status": "success", "message": "Event processed", "dedup_key": "INC-1"},
        )
        assert [alert["status"] for alert in pagerduty.alerts("INC-1")] == ["triggered"]

        assert _enqueue(pagerduty.url, event_action="resolve", dedup_key="INC-1").status_code == 202
        _enqueue(pagerduty.url, event_action="acknowledge", dedup_key="INC-1")  # dropped: nothing open
        _enqueue(pagerduty.url, event_action="trigger", dedup_key="INC-1", payload=payload)
        assert [alert["status"] for alert in pagerduty.alerts("INC-1")] == ["resolved", "triggered"]

        generated = _enqueue(pagerduty.url, event_action="trigger", payload=payload).json()["dedup_key"]
        assert generated and pagerduty.alerts(generated)

        bad = _enqueue(pagerduty.url, event_action="trigger", payload={"summary": "no source or severity"})
        assert bad.status_code == 400
        assert bad.json()["status"] == "invalid event" and len(bad.json()["errors"]) == 2
        assert requests.post(f"{pagerduty.url}/v2/enqueue", data="not json", timeout=10).status_code == 400
        assert _enqueue(pagerduty.url, event_action="resolve").status_code == 400  # resolve needs a dedup_key

        pagerduty.fail_next("/v2/enqueue", 503)
        assert _enqueue(pagerduty.url, event_action="trigger", payload=payload).status_code == 503
        assert _enqueue(pagerduty.url, event_action="trigger", payload=payload).status_code == 202


def test_delay_next_times_out_the_client_but_the_call_still_lands() -> None:
    payload = {"summary": "Slow", "source": "opsdesk", "severity": "error"}
    with PagerDutyStandIn() as pagerduty:
        pagerduty.delay_next("POST /v2/enqueue", 0.5)

        with pytest.raises(requests.exceptions.Timeout):
            requests.post(
                f"{pagerduty.url}/v2/enqueue",
                json={
                    "routing_key": LOCAL_ROUTING_KEY,
                    "event_action": "trigger",
                    "dedup_key": "K",
                    "payload": payload,
                },
                timeout=0.1,
            )
        time.sleep(0.6)

        assert [alert["dedup_key"] for alert in pagerduty.alerts()] == ["K"]


def test_slack_on_post_hooks_see_each_change() -> None:
    seen: list[str] = []
    with SlackStandIn() as slack:
        slack.on_post.append(lambda change: seen.append(f"{change['type']} {change['channel']}"))
        web = WebClient(token="xoxb-1", base_url=f"{slack.url}/api/")

        posted = web.chat_postMessage(channel="C0OPS", text="hello")
        web.chat_update(channel="C0OPS", ts=posted["ts"], text="edited")
        slack.add_user_message("C0OPS", "a person writes", user="U0BOB")

    assert seen == ["message_posted C0OPS", "message_updated C0OPS", "message_posted C0OPS"]


def test_scheduler_thread_fires_with_the_scheduled_minute(template: Template) -> None:
    now = datetime.now(UTC)
    next_minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    offset = next_minute - timedelta(milliseconds=200) - now  # the fake clock reaches the minute in 0.2 s
    fired = threading.Event()
    events: list[Any] = []

    def invoke(logical_id: str, event: Any) -> None:
        events.append((logical_id, event))
        fired.set()

    (schedule,) = template.schedules()
    every_minute = dataclasses.replace(schedule, expression="rate(1 minute)")
    scheduler = Scheduler([every_minute], invoke, clock=lambda: datetime.now(UTC) + offset, log=lambda line: None)
    scheduler.start()
    try:
        assert fired.wait(5)
    finally:
        scheduler.stop()

    assert events[0][0] == "EchoFunction"
    assert events[0][1]["time"] == next_minute.strftime("%Y-%m-%dT%H:%M:%SZ")
