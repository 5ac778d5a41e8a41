"""Reading a template with cfn-lint's loader and resolving the intrinsics template.yaml uses to local values."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.settings import TEMPLATE_PATH
from devstack.template import Template, parse_document

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: Prod}
  PagingEnabled: {Type: String, Default: "false"}
  JiraUrl: {Type: String}
Conditions:
  PagingOn: !Equals [!Ref PagingEnabled, "true"]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: !Sub "${AWS::StackName}-table"}
  Topic: {Type: AWS::SNS::Topic}
  DLQ: {Type: AWS::SQS::Queue}
  Secrets: {Type: AWS::SecretsManager::Secret}
  Pager: {Type: AWS::SNS::Topic, Condition: PagingOn}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: app.handler
      Environment:
        Variables:
          TABLE: !Ref Table
          TABLE_ARN: !GetAtt Table.Arn
          TABLE_ARN_LIST: !GetAtt [Table, Arn]
          QUEUE_NAME: !GetAtt DLQ.QueueName
          TOPIC: !Ref Topic
          SECRET: !Ref Secrets
          URL: !Sub "https://${AWS::Region}.${AWS::URLSuffix}/${Stage}"
          WITH_VARIABLES: !Sub ["${Name}-${AWS::AccountId}", {Name: !Ref Stage}]
          LITERAL: !Sub "${!NotAVariable} in ${AWS::Partition}"
          SUB_ATTRIBUTE: !Sub "${DLQ.QueueName}/${Table.Arn}"
          PAGER: !If [PagingOn, !Ref Pager, !Ref AWS::NoValue]
          PAGING: !If [PagingOn, "yes", "no"]
          JIRA: !Ref JiraUrl
          NOT_USED_BY_THE_TEMPLATE: !Select [0, [a, b]]
          NUMBER: 7
          FLAG: true
"""


def _environment(text: str = TEMPLATE, **overrides: str) -> dict[str, str | None]:
    (function,) = Template.from_text(text, root=Path("/srv"), parameter_overrides=overrides).functions()
    return function.environment


def test_short_tags_read_in_their_long_form() -> None:
    document = parse_document(TEMPLATE)
    variables = document["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]

    assert variables["TABLE"] == {"Ref": "Table"}
    assert variables["TABLE_ARN"] == variables["TABLE_ARN_LIST"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert variables["URL"] == {"Fn::Sub": "https://${AWS::Region}.${AWS::URLSuffix}/${Stage}"}
    assert variables["PAGER"] == {"Fn::If": ["PagingOn", {"Ref": "Pager"}, {"Ref": "AWS::NoValue"}]}
    assert document["Conditions"]["PagingOn"] == {"Fn::Equals": [{"Ref": "PagingEnabled"}, "true"]}


def test_the_intrinsics_resolve_to_local_values() -> None:
    assert _environment() == {
        "TABLE": "opsdesk-local-table",
        "TABLE_ARN": "arn:aws:dynamodb:eu-west-2:123456789012:table/opsdesk-local-table",
        "TABLE_ARN_LIST": "arn:aws:dynamodb:eu-west-2:123456789012:table/opsdesk-local-table",
        "QUEUE_NAME": "opsdesk-local-DLQ",
        "TOPIC": "arn:aws:sns:eu-west-2:123456789012:opsdesk-local-Topic",
        "SECRET": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:opsdesk-local-Secrets",
        "URL": "https://eu-west-2.amazonaws.com/Prod",
        "WITH_VARIABLES": "Prod-123456789012",
        "LITERAL": "${NotAVariable} in aws",
        "SUB_ATTRIBUTE": "opsdesk-local-DLQ/arn:aws:dynamodb:eu-west-2:123456789012:table/opsdesk-local-table",
        "PAGER": None,  # AWS::NoValue
        "PAGING": "no",
        "JIRA": None,  # a parameter with no default and no override
        "NOT_USED_BY_THE_TEMPLATE": None,  # only the intrinsics template.yaml uses are resolved
        "NUMBER": "7",
        "FLAG": "true",
    }


def test_parameter_overrides_flip_conditions() -> None:
    environment = _environment(PagingEnabled="true", Stage="Dev", JiraUrl="http://127.0.0.1:4568")

    assert environment["PAGER"] == "arn:aws:sns:eu-west-2:123456789012:opsdesk-local-Pager"
    assert (environment["PAGING"], environment["URL"], environment["JIRA"]) == (
        "yes",
        "https://eu-west-2.amazonaws.com/Dev",
        "http://127.0.0.1:4568",
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Resources:\n  A: {Type: x}\n  A: {Type: y}\n", "line 3: Duplicate found"),
        ("Resources: [unclosed\n", "line 2"),
        ("- a list\n", "not a mapping"),
    ],
)
def test_a_template_that_does_not_parse_says_where(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_document(text)


def test_a_schedule_the_local_scheduler_cannot_run_is_refused_when_read() -> None:
    text = TEMPLATE + (
        "      Events:\n"
        "        Nearest:\n"
        "          Type: ScheduleV2\n"
        "          Properties: {ScheduleExpression: cron(0 8 15W * ? *), ScheduleExpressionTimezone: Europe/London}\n"
    )

    with pytest.raises(
        ValueError,
        match=r"Fn schedule Nearest: cron\(0 8 15W \* \? \*\): day-of-month .15W.: W \(the nearest weekday\)",
    ):
        Template.from_text(text).schedules()


def test_the_project_template_reads_and_its_schedules_run_locally() -> None:
    template = Template.from_text(TEMPLATE_PATH.read_text(encoding="utf-8"))

    assert {schedule.timezone for schedule in template.schedules()} == {"Europe/London"}
    assert {route.path for route in template.api_routes()} >= {"/slack/commands", "/postmortems/{id}"}
