"""Least privilege and sound infrastructure, read from template.yaml itself."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.settings import TEMPLATE_PATH
from tests.unit.test_template import load_template

pytestmark = pytest.mark.reliability("infrastructure")

TEMPLATE = load_template(TEMPLATE_PATH)
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {name: resource for name, resource in RESOURCES.items() if resource["Type"] == "AWS::Serverless::Function"}

CRUD = {
    "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query",
    "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable",
    "dynamodb:ConditionCheckItem",
}  # fmt: skip
READ = {"dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"}
TABLE_RESOURCES = [
    {"Fn::GetAtt": ["OpsdeskTable", "Arn"]},
    {"Fn::Sub": "${OpsdeskTable.Arn}/index/gsi1"},
    {"Fn::Sub": "${OpsdeskTable.Arn}/index/gsi2"},
]
OWN_SLACK_FUNCTION_ARN = {
    "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-slack"
}
# What SAM's policy templates expand to (serverless-application-model policy_templates.json).
SAM_TEMPLATES: dict[str, tuple[set[str], str]] = {
    "DynamoDBCrudPolicy": (CRUD, "table"),
    "DynamoDBReadPolicy": (READ, "table"),
    "AWSSecretsManagerGetSecretValuePolicy": ({"secretsmanager:GetSecretValue"}, "secret"),
    "LambdaInvokePolicy": ({"lambda:InvokeFunction"}, "function*"),
    "SQSSendMessagePolicy": ({"sqs:SendMessage*", "sqs:ChangeMessageVisibility*"}, "queue"),
}
# Wildcards that are what a service needs, each with its reason.
ALLOWED_WILDCARDS = {
    ("ApiGatewayCloudWatchRole", "Resource"): "API Gateway's account-wide logging role writes every API's log groups",
}


def grants(function: str) -> list[tuple[set[str], str, Any]]:
    """(actions, kind of resource, the template's reference) for every policy of a function."""
    found: list[tuple[set[str], str, Any]] = []
    for policy in FUNCTIONS[function]["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            for statement in policy["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                found.append((set(actions), "inline", statement.get("Resource")))
            continue
        name = next(iter(policy)) if isinstance(policy, dict) else policy
        assert name in SAM_TEMPLATES, f"{function}: teach this test what SAM policy {name!r} grants"
        actions, kind = SAM_TEMPLATES[name]
        found.append((set(actions), kind, policy[name] if isinstance(policy, dict) else None))
    return found


def actions_of(function: str) -> set[str]:
    return {action for actions, _, _ in grants(function) for action in actions}


def _walk_statements(name: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(value, dict):
        if "Effect" in value and ("Action" in value or "NotAction" in value):
            return [(name, value)]
        return [found for item in value.values() for found in _walk_statements(name, item)]
    if isinstance(value, list):
        return [found for item in value for found in _walk_statements(name, item)]
    return []


def test_no_wildcard_action_or_resource_beyond_what_services_need() -> None:
    offences = []
    for name, resource in RESOURCES.items():
        for owner, statement in _walk_statements(name, resource.get("Properties", {})):
            for key in ("Action", "Resource"):
                values = statement.get(key, [])
                values = values if isinstance(values, list) else [values]
                wild = [v for v in values if isinstance(v, str) and (v == "*" or v.endswith(":*") or v.endswith("*"))]
                wild += [v for v in values if isinstance(v, dict) and "*" in str(v.get("Fn::Sub", ""))]
                if wild and (owner, key) not in ALLOWED_WILDCARDS:
                    offences.append(f"{owner}.{key}: {wild}")
    assert offences == []


def test_functions_use_no_managed_policy_beyond_xray() -> None:
    for name, function in FUNCTIONS.items():
        properties = function["Properties"]
        for policy in properties.get("Policies", []):
            assert not isinstance(policy, str) or policy == "AWSXrayWriteOnlyAccess", f"{name}: managed policy {policy}"
        # Tracing: Active adds only X-Ray's write-only policy; metrics are EMF log lines, no PutMetricData.
        assert not any("cloudwatch:PutMetricData" in actions for actions, _, _ in grants(name))


def test_pages_reads_the_table_and_holds_no_secret() -> None:
    assert actions_of("PagesFunction") <= READ | {"ssm:GetParameter"}
    assert not any(kind == "secret" for _, kind, _ in grants("PagesFunction"))
    [(_, _, api_url)] = [grant for grant in grants("PagesFunction") if "ssm:GetParameter" in grant[0]]
    assert str(api_url["Fn::Sub"]).endswith("/api_url")  # the API's URL, not a credential
    assert not any(kind.startswith("function") for _, kind, _ in grants("PagesFunction"))


def test_only_slack_may_invoke_a_function_and_only_itself() -> None:
    for name in FUNCTIONS:
        invokes = [reference for actions, _, reference in grants(name) if "lambda:InvokeFunction" in actions]
        if name != "SlackFunction":
            assert invokes == [], f"{name} may invoke functions"
            continue
        assert FUNCTIONS[name]["Properties"]["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-slack"}
        assert invokes == [OWN_SLACK_FUNCTION_ARN], invokes


def test_each_function_reaches_only_its_table_and_secret() -> None:
    for name in FUNCTIONS:
        for actions, kind, reference in grants(name):
            if kind == "table" or any(action.startswith("dynamodb:") for action in actions):
                assert reference in ({"TableName": {"Ref": "OpsdeskTable"}}, TABLE_RESOURCES), (name, reference)
            if kind == "secret":
                assert reference == {"SecretArn": {"Ref": "OpsdeskSecrets"}}, (name, reference)


def test_no_function_may_scan_the_table() -> None:
    assert not any("dynamodb:Scan" in actions_of(name) for name in FUNCTIONS)


def test_async_functions_fail_over_to_a_dead_letter_queue() -> None:
    for name in ("AlarmsFunction", "SchedulesFunction"):
        assert FUNCTIONS[name]["Properties"]["DeadLetterQueue"]["Type"] == "SQS"
    slack = FUNCTIONS["SlackFunction"]["Properties"]["EventInvokeConfig"]
    assert slack["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    assert slack["MaximumRetryAttempts"] == 2


def skips() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, resource in RESOURCES.items():
        for skip in ((resource.get("Metadata") or {}).get("checkov") or {}).get("skip", []):
            found.append((name, skip))
    return found


def test_every_skipped_checkov_check_is_justified_in_one_line() -> None:
    assert skips(), "the template skips no checkov check (then this test can go)"
    for name, skip in skips():
        comment = str(skip.get("comment") or "").strip()
        assert str(skip.get("id", "")).startswith("CKV"), (name, skip)
        assert comment and "\n" not in comment and len(comment) <= 200, f"{name} {skip.get('id')}: {comment!r}"


def test_the_public_slack_and_webhook_routes_are_authenticated_by_signature_not_iam() -> None:
    """CKV_AWS_59-style 'API without authorizer' is expected: Slack and webhooks cannot sign with SigV4."""
    for name in ("SlackFunction", "WebhooksFunction"):
        for event in FUNCTIONS[name]["Properties"]["Events"].values():
            assert event["Type"] == "Api" and event["Properties"]["Method"] == "POST"
