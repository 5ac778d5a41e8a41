"""Static checks on template.yaml, slack-app-manifest.yaml and events/ against docs/architecture.md."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest
import yaml

# Imported when the tests are collected: urllib3 (under boto3) probes IPv6 with a socket on import.
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from devstack.template import parse_document

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"
MANIFEST_PATH = ROOT / "slack-app-manifest.yaml"
EVENTS_DIR = ROOT / "events"


def load_template(path: Path) -> dict[str, Any]:
    """Load a CloudFormation/SAM template with cfn-lint's loader (short tags in their long form), as devstack does."""
    return parse_document(path.read_text(encoding="utf-8"))


# What docs/architecture.md promises.
FUNCTIONS = {"SlackFunction", "AlarmsFunction", "SchedulesFunction", "WebhooksFunction", "PagesFunction"}
API_ROUTES = {
    "SlackFunction": {("POST", "/slack/commands"), ("POST", "/slack/interactions"), ("POST", "/slack/events")},
    "WebhooksFunction": {("POST", "/jira/webhook"), ("POST", "/pagerduty/webhook")},
    "PagesFunction": {
        ("GET", "/status"),
        ("GET", "/status.json"),
        ("GET", "/postmortems"),
        ("GET", "/postmortems/{id}"),
    },
}
SCHEDULES = {
    "start-of-day": "cron(0 8 ? * MON-FRI *)",
    "end-of-day": "cron(30 17 ? * MON-FRI *)",
    "handover-check": "cron(0 18 ? * MON-FRI *)",
    "incident-checkins": "rate(5 minutes)",
    "triage-sweep": "rate(5 minutes)",
    "postmortem-reminders": "cron(0 10 ? * MON-FRI *)",
    "weekly-report": "cron(0 9 ? * MON *)",
}
SCHEDULE_INPUT = {
    "time": "<aws.scheduler.scheduled-time>",
    "schedule_arn": "<aws.scheduler.schedule-arn>",
    "execution_id": "<aws.scheduler.execution-id>",
    "attempt_number": "<aws.scheduler.attempt-number>",
}
SLASH_COMMANDS = {"/incident", "/support", "/rota", "/postmortem", "/ops"}
SECRET_KEYS = {
    "slack_signing_secret",
    "slack_bot_token",
    "jira_api_token",
    "pagerduty_routing_key",
    "jira_webhook_secret",
    "pagerduty_webhook_secret",
}
ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "TABLE_NAME",
    "PARAMETERS_PATH",
    "POWERTOOLS_PARAMETERS_MAX_AGE",
    "OPS_CHANNEL_ID",
    "TEAM_CHANNEL_ID",
    "SUPPORT_TEAM_IDS",
    "PRODUCT_MANAGER_ID",
    "LEADERSHIP_IDS",
    "PUBLIC_SERVICES",
    "TIMEZONE",
    "SUPPORT_HOURS",
    "HOLIDAY_CALENDAR",
    "TRIAGE_MINUTES",
    "UNTAKEN_MINUTES",
    "UNTAKEN_TEAM_MINUTES",
    "CHECKIN_MINUTES",
    "UPDATE_MINUTES_HIGH",
    "UPDATE_MINUTES_NORMAL",
    "JIRA_URL",
    "JIRA_PROJECT",
    "JIRA_EMAIL",
    "CONFLUENCE_URL",
    "CONFLUENCE_SPACE",
    "PAGING_ENABLED",
    "PAGERDUTY_EVENTS_URL",
    "ALARM_ROUTES",
    "ALARM_NAME_PREFIXES",
    "ALERT_GROUP_MINUTES",
    "LEADERSHIP_NOTIFY",
    "PUBLIC_BASE_URL",
}
DLQ_DEPTH = "ApproximateNumberOfMessagesVisible"
# What the process asks to measure (support-process.md, "Performance and Metrics").
DASHBOARD_METRICS = {
    "IncidentsOpened",
    "TimeToLead",
    "TimeToResolve",
    "SupportRequestsOpened",
    "TimeToResolution",
    "TimeInStage",
    "SupportRating",
    # Issue 14: what the team asked to see, as the weekly report counts it, and the desk's own signals.
    "PeriodIncidents",
    "PeriodHighPriorityIncidents",
    "PeriodRequestsDone",
    "MeanRating",
    "SupportRequestsNotRequests",
    "SupportRequestsRaised",
    "Pages",
    "Availability",
    "Errors",
    "Throttles",
    DLQ_DEPTH,
}
AWS_METRICS = {"Errors", "Throttles", DLQ_DEPTH}
SHARED = Path(__file__).resolve().parents[2] / "shared" / "opsdesk"


def emitted_metrics() -> set[str]:
    """Every metric name the code records, read from its record("Name", ...) calls."""
    names: set[str] = set()
    for source in SHARED.rglob("*.py"):
        names.update(re.findall(r'record\(\s*"(\w+)"', source.read_text()))
    return names


# Actions that cannot be scoped to a resource; "*" is only acceptable for these.
UNSCOPABLE_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    res: dict[str, Any] = template["Resources"]
    return res


@pytest.fixture(scope="module")
def functions(resources: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    return loaded


def _events(function: dict[str, Any], event_type: str) -> dict[str, Any]:
    return {k: v["Properties"] for k, v in function["Properties"].get("Events", {}).items() if v["Type"] == event_type}


def _camel(job: str) -> str:
    return "".join(part.capitalize() for part in job.split("-"))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


def _walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _walk(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _walk(child, (*path, index))


# ---------------------------------------------------------------- the template


def test_template_parses_as_sam(template: dict[str, Any]) -> None:
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert set(template["Resources"])


def test_globals_configure_every_function(template: dict[str, Any]) -> None:
    fn = template["Globals"]["Function"]
    assert fn["Runtime"] == "python3.13"
    assert fn["Architectures"] == ["arm64"]
    assert fn["Tracing"] == "Active"
    assert fn["Timeout"] == 20
    assert fn["Layers"] == [{"Ref": "DepsLayer"}, {"Ref": "CoreLayer"}]
    variables = fn["Environment"]["Variables"]
    assert set(variables) == ENVIRONMENT
    assert variables["TABLE_NAME"] == {"Ref": "OpsdeskTable"}
    assert variables["PARAMETERS_PATH"] == {"Fn::Sub": "/${AWS::StackName}"}
    assert variables["TIMEZONE"] == "Europe/London"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Opsdesk"
    # Local-only settings must never be set in AWS.
    assert "AWS_ENDPOINT_URL" not in variables
    assert "SLACK_API_URL" not in variables


def test_layers_build_for_the_runtime(resources: dict[str, Any]) -> None:
    assert resources["DepsLayer"]["Properties"]["ContentUri"] == "layers/deps/"
    assert resources["CoreLayer"]["Properties"]["ContentUri"] == "shared/"
    for name in ("DepsLayer", "CoreLayer"):
        assert resources[name]["Type"] == "AWS::Serverless::LayerVersion"
        assert resources[name]["Metadata"]["BuildMethod"] == "python3.13"


def test_table_matches_the_architecture(resources: dict[str, Any]) -> None:
    table = resources["OpsdeskTable"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    attributes = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert attributes == dict.fromkeys(("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"), "S")
    assert props["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    indexes = {i["IndexName"]: i for i in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"gsi1", "gsi2"}
    for name, index in indexes.items():
        assert index["KeySchema"] == [
            {"AttributeName": f"{name}pk", "KeyType": "HASH"},
            {"AttributeName": f"{name}sk", "KeyType": "RANGE"},
        ]
        assert index["Projection"] == {"ProjectionType": "ALL"}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_every_credential_is_granted_to_some_function(functions: dict[str, Any]) -> None:
    granted = {
        str(resource["Fn::Sub"]).rsplit("/", 1)[1]
        for function in functions.values()
        for policy in function["Properties"]["Policies"]
        for statement in policy.get("Statement", [])
        if "ssm:GetParameter" in _as_list(statement["Action"])
        for resource in _as_list(statement["Resource"])
    }
    assert granted == SECRET_KEYS | {"api_url"}


def test_functions_are_the_ones_in_the_architecture(functions: dict[str, Any]) -> None:
    assert set(functions) == FUNCTIONS
    for name, function in functions.items():
        folder = name.removesuffix("Function").lower()
        assert function["Properties"]["CodeUri"] == f"functions/{folder}/"
        assert function["Properties"]["Handler"] == "app.lambda_handler"


@pytest.mark.parametrize("name", sorted(API_ROUTES))
def test_api_functions_serve_their_routes(functions: dict[str, Any], name: str) -> None:
    events = functions[name]["Properties"]["Events"]
    assert {e["Type"] for e in events.values()} == {"Api"}
    apis = _events(functions[name], "Api")
    assert {(e["Method"], e["Path"]) for e in apis.values()} == API_ROUTES[name]
    assert all(e["RestApiId"] == {"Ref": "OpsdeskApi"} for e in apis.values())


def test_alarms_function_listens_to_sns_and_opted_in_eventbridge(
    functions: dict[str, Any], resources: dict[str, Any]
) -> None:
    alarms = functions["AlarmsFunction"]
    assert {e["Type"] for e in alarms["Properties"]["Events"].values()} == {"SNS"}
    (sns,) = _events(alarms, "SNS").values()
    assert sns["Topic"] == {"Ref": "AlarmTopic"}
    rule = resources["AlarmStateRule"]
    assert rule["Condition"] == "AlarmRuleOn"
    assert rule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["AlarmsFunction", "Arn"]}
    assert alarms["Properties"]["DeadLetterQueue"]["Type"] == "SQS"


def test_schedules_match_the_jobs(functions: dict[str, Any]) -> None:
    schedules = functions["SchedulesFunction"]
    assert {e["Type"] for e in schedules["Properties"]["Events"].values()} == {"ScheduleV2"}
    events = _events(schedules, "ScheduleV2")
    assert set(events) == {_camel(job) for job in SCHEDULES}
    for job, expression in SCHEDULES.items():
        event = events[_camel(job)]
        assert event["ScheduleExpression"] == expression
        assert event["ScheduleExpressionTimezone"] == "Europe/London"
        assert event["Input"] is not None
        assert json.loads(event["Input"]) == {"job": job, **SCHEDULE_INPUT}
        assert event["RetryPolicy"]["MaximumRetryAttempts"] >= 1
        assert event["DeadLetterConfig"]["Arn"]


def test_slack_function_may_invoke_only_itself(functions: dict[str, Any]) -> None:
    slack = functions["SlackFunction"]["Properties"]
    name = slack["FunctionName"]
    assert name == {"Fn::Sub": "${AWS::StackName}-slack"}
    statements = [s for p in slack["Policies"] if isinstance(p, dict) for s in p.get("Statement", [])]
    invokes = [s["Resource"] for s in statements if s["Action"] == "lambda:InvokeFunction"]
    assert invokes == [
        {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-slack"}
    ]
    config = slack["EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"]["Type"] == "SQS"


def test_policy_templates_per_function(functions: dict[str, Any]) -> None:
    def templates(name: str) -> set[str]:
        return {key for p in functions[name]["Properties"]["Policies"] if isinstance(p, dict) for key in p}

    def actions(name: str) -> set[str]:
        policies = functions[name]["Properties"]["Policies"]
        statements = [s for p in policies if isinstance(p, dict) for s in p.get("Statement", [])]
        return {a for s in statements for a in _as_list(s["Action"])}

    for writer in ("SlackFunction", "AlarmsFunction", "SchedulesFunction", "WebhooksFunction"):
        assert templates(writer) == {"Statement"}
        assert {"dynamodb:PutItem", "dynamodb:Query", "ssm:GetParameter"} <= actions(writer)
    assert templates("PagesFunction") == {"Statement"}
    assert actions("PagesFunction") == {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "ssm:GetParameter",
    }
    assert [n for n in functions if "lambda:InvokeFunction" in actions(n)] == ["SlackFunction"]
    assert not any("dynamodb:Scan" in actions(n) for n in functions)


def test_the_schedules_function_may_call_what_powertools_idempotency_calls_and_no_scan(
    functions: dict[str, Any],
) -> None:
    """Job slots are Powertools idempotency records: its DynamoDB persistence layer's calls, read from its source."""
    calls = set(re.findall(r"self\.client\.(\w+)\(", inspect.getsource(DynamoDBPersistenceLayer)))
    needed = {"dynamodb:" + "".join(part.title() for part in call.split("_")) for call in calls}
    assert needed == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    statements = [s for p in functions["SchedulesFunction"]["Properties"]["Policies"] for s in p.get("Statement", [])]
    table = [s for s in statements if any(str(a).startswith("dynamodb:") for a in _as_list(s["Action"]))]
    assert table and all(needed <= set(_as_list(statement["Action"])) for statement in table)
    assert not any("dynamodb:Scan" in _as_list(statement["Action"]) for statement in table)


def _statement_is_wildcard(statement: dict[str, Any]) -> bool:
    actions = set(_as_list(statement.get("Action", [])))
    resources = _as_list(statement.get("Resource", []))
    if any(a == "*" or a.endswith(":*") for a in actions if isinstance(a, str)):
        return True
    return "*" in resources and not actions <= UNSCOPABLE_ACTIONS


def test_no_wildcard_permissions(resources: dict[str, Any], functions: dict[str, Any]) -> None:
    statements: list[tuple[str, dict[str, Any]]] = []
    for name, function in functions.items():
        for policy in _as_list(function["Properties"].get("Policies", [])):
            if isinstance(policy, str):
                # A bare managed policy name: only the trace/metrics writers are acceptable.
                assert policy in {"AWSXrayWriteOnlyAccess", "CloudWatchLambdaInsightsExecutionRolePolicy"}, name
            elif "Statement" in policy:
                statements += [(name, s) for s in _as_list(policy["Statement"])]
            else:
                # A SAM policy template: its parameters must name a resource, not "*".
                (params,) = policy.values()
                assert "*" not in json.dumps(params), (name, policy)
    for name, resource in resources.items():
        if resource["Type"] in {"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            props = resource["Properties"]
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
            documents += [props["PolicyDocument"]] if "PolicyDocument" in props else []
            statements += [(name, s) for d in documents for s in _as_list(d["Statement"])]
            assert not props.get("ManagedPolicyArns"), name
    assert statements, "expected at least the API Gateway logging role"
    offenders = [(name, s) for name, s in statements if _statement_is_wildcard(s)]
    assert not offenders


def test_pagerduty_parts_sit_behind_paging_on(template: dict[str, Any], resources: dict[str, Any]) -> None:
    assert template["Conditions"]["PagingOn"] == {"Fn::Equals": [{"Ref": "PagingEnabled"}, "true"]}
    assert template["Parameters"]["PagingEnabled"]["AllowedValues"] == ["true", "false"]
    assert template["Parameters"]["PagingEnabled"]["Default"] == "false"
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["PAGING_ENABLED"] == {"Ref": "PagingEnabled"}
    for name, resource in resources.items():
        if "pagerduty" in name.lower():
            assert resource.get("Condition") == "PagingOn", name
    # Every use of the PagerDuty URL is in a PagingOn resource or the true branch of !If [PagingOn, ...].
    uses = [path for path, node in _walk(template) if node == {"Ref": "PagerDutyEventsUrl"}]
    assert uses
    for path in uses:
        guarded = path[0] == "Resources" and resources[path[1]].get("Condition") == "PagingOn"
        guarded = guarded or any(
            step == "Fn::If" and path[i + 1] == 1 and _at(template, path[:i])["Fn::If"][0] == "PagingOn"
            for i, step in enumerate(path[:-1])
        )
        assert guarded, path


def test_every_dead_letter_queue_has_an_alarm(resources: dict[str, Any]) -> None:
    queues = {k for k, v in resources.items() if v["Type"] == "AWS::SQS::Queue"}
    assert queues == {"SlackDLQ", "AlarmsDLQ", "SchedulesDLQ"}
    watched = {
        d["Value"]["Fn::GetAtt"][0]
        for v in resources.values()
        if v["Type"] == "AWS::CloudWatch::Alarm" and v["Properties"].get("MetricName") == DLQ_DEPTH
        for d in v["Properties"]["Dimensions"]
        if d["Name"] == "QueueName"
    }
    assert watched == queues


def test_dashboard_shows_the_business_metrics(resources: dict[str, Any]) -> None:
    body = resources["OpsdeskDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    # Valid JSON once CloudFormation has substituted the ${...} references.
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    shown: set[str] = set()
    for _, node in _walk(dashboard):
        if isinstance(node, str):
            shown.add(node)
            shown.update(re.findall(r'MetricName="(\w+)"', node))
    assert not DASHBOARD_METRICS - shown, DASHBOARD_METRICS - shown
    # Every business metric on the dashboard is one the code really emits.
    assert not (DASHBOARD_METRICS - AWS_METRICS) - emitted_metrics()


def test_outputs(template: dict[str, Any]) -> None:
    assert {
        "ApiUrl",
        "SlackCommandsUrl",
        "SlackInteractionsUrl",
        "SlackEventsUrl",
        "JiraWebhookUrl",
        "PagerDutyWebhookUrl",
        "StatusPageUrl",
        "AlarmTopicArn",
        "OperatorTopicArn",
        "ParametersPath",
        "TableName",
    } <= set(template["Outputs"])


# ---------------------------------------------------------------- the Slack manifest


def test_manifest_registers_every_command_at_the_commands_route(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert {c["command"] for c in commands} == SLASH_COMMANDS
    assert all(urlparse(c["url"]).path.endswith("/slack/commands") for c in commands)
    assert all(c.get("usage_hint") for c in commands)


def test_manifest_request_urls_match_the_api(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert urlparse(settings["interactivity"]["request_url"]).path.endswith("/slack/interactions")
    assert urlparse(settings["event_subscriptions"]["request_url"]).path.endswith("/slack/events")
    assert settings["socket_mode_enabled"] is False
    shortcuts = {s["callback_id"] for s in manifest["features"]["shortcuts"]}
    assert shortcuts == {
        "add_to_incident_timeline",
        "declare_incident_from_message",
        "add_to_ticket",
        "track_as_request",
    }


# ---------------------------------------------------------------- sample events


def _event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    return loaded


def test_api_sample_events_hit_declared_routes() -> None:
    routes = set().union(*API_ROUTES.values())
    samples = [p for p in EVENTS_DIR.glob("*.json") if "httpMethod" in _event(p.name)]
    assert len(samples) >= 6
    for sample in samples:
        event = _event(sample.name)
        assert (event["httpMethod"], event["resource"]) in routes, sample.name


def test_every_job_has_a_sample_event() -> None:
    for job in SCHEDULES:
        event = _event(f"schedule_{job}.json")
        assert event["job"] == job
        assert event["time"].endswith("Z")
        assert event["schedule_arn"].endswith(f"-{_camel(job)}")


@pytest.mark.parametrize(
    ("name", "new", "old"),
    [("alarm_sns_alarm.json", "ALARM", "OK"), ("alarm_sns_ok.json", "OK", "ALARM")],
)
def test_sns_alarm_samples_carry_the_alarm_as_a_json_string(name: str, new: str, old: str) -> None:
    (record,) = _event(name)["Records"]
    message = json.loads(record["Sns"]["Message"])
    assert (message["NewStateValue"], message["OldStateValue"]) == (new, old)
