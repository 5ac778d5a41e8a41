"""Each function's role can read only its own credentials: the deployed roles, judged by moto's IAM policy evaluation.

The roles are read from the template as CloudFormation deploys it (packaged and SAM-expanded, tests/deploy), their
intrinsics resolved for a stack named "opsdesk", and every credential parameter is asked for by every role.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult

from devstack.intrinsics import Resolver
from devstack.settings import ACCOUNT_ID, REGION
from opsdesk.secrets import NAMES
from tests.deploy.conftest import EVERYTHING_ON, OWN_CREDENTIALS, packaged, transformed

if TYPE_CHECKING:
    from collections.abc import Callable

    Transformed = Callable[..., dict[str, Any]]

__all__ = ["packaged", "transformed"]  # the deploy suite's fixtures

pytestmark = pytest.mark.reliability("infrastructure")

# Lambda's logging and X-Ray's writing: neither reads a parameter or a secret.
MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


def parameter_arn(name: str) -> str:
    return f"arn:aws:ssm:{REGION}:{ACCOUNT_ID}:parameter/opsdesk/{name}"


def role_policies(template: dict[str, Any], function: str) -> list[IAMPolicy]:
    resolver = Resolver(template, EVERYTHING_ON, stack_name="opsdesk")
    role = template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    properties = template["Resources"][role]["Properties"]
    managed = {resolver.resolve(arn) for arn in properties.get("ManagedPolicyArns", [])}
    assert managed <= MANAGED, f"{function}: managed policies {managed - MANAGED}"
    documents = [resolver.resolve(policy["PolicyDocument"]) for policy in properties.get("Policies", [])]
    assert all(document is not None for document in documents), f"{function}: a policy did not resolve"
    return [IAMPolicy(json.dumps(document)) for document in documents]


def may(policies: list[IAMPolicy], action: str, resource: str) -> bool:
    results = [policy.is_action_permitted(action, resource) for policy in policies]
    return PermissionResult.PERMITTED in results and PermissionResult.DENIED not in results


@pytest.mark.parametrize("function", sorted(OWN_CREDENTIALS))
def test_each_function_role_reads_only_its_own_credentials(transformed: Transformed, function: str) -> None:
    # GIVEN the role CloudFormation creates for the function, every optional integration on (the webhooks may not
    # read Jira's API token, nor Pages any credential: issue 16)
    policies = role_policies(transformed(**EVERYTHING_ON), function)
    # WHEN it asks Parameter Store for each credential
    readable = {name for name in NAMES if may(policies, "ssm:GetParameter", parameter_arn(name))}
    # THEN it gets exactly its own, and the API's URL (not secret)
    assert readable == OWN_CREDENTIALS[function]
    assert may(policies, "ssm:GetParameter", parameter_arn("api_url"))
    # AND several at once only of its own (the Slack function's cold start reads three in one call)
    batched = {name for name in NAMES if may(policies, "ssm:GetParameters", parameter_arn(name))}
    assert batched <= OWN_CREDENTIALS[function]
    # AND no wholesale reads: not the path, not another stack's, not Secrets Manager
    path = f"arn:aws:ssm:{REGION}:{ACCOUNT_ID}:parameter/opsdesk"
    assert not may(policies, "ssm:GetParametersByPath", path)
    assert not any(may(policies, "ssm:GetParametersByPath", parameter_arn(name)) for name in NAMES)
    assert not may(policies, "ssm:GetParameter", parameter_arn("slack_bot_token").replace("/opsdesk/", "/other/"))
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:opsdesk-AbCdEf"
    assert not may(policies, "secretsmanager:GetSecretValue", secret)
