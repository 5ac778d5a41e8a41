"""The local API's routing: the template's routes on werkzeug's router, answered as API Gateway (REST) answers."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING
from unittest import mock

import pytest

from devstack.api import LocalApi
from devstack.apigw import RouteTable
from devstack.httpserver import Reply, Request
from devstack.runtime import Runtime
from devstack.settings import local_environment
from devstack.template import ApiRoute, Template

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

STATUS = ApiRoute("GET", "/status", "PagesFunction", "Status")
STATUS_JSON = ApiRoute("GET", "/status.json", "PagesFunction", "StatusJson")
POSTMORTEM = ApiRoute("GET", "/postmortems/{id}", "PagesFunction", "Postmortem")
POSTMORTEM_FEED = ApiRoute("GET", "/postmortems/feed", "PagesFunction", "Feed")
COMMANDS = ApiRoute("POST", "/slack/commands", "SlackFunction", "Commands")
FILES = ApiRoute("ANY", "/files/{proxy+}", "FilesFunction", "Files")
FILES_PUT = ApiRoute("PUT", "/files/{proxy+}", "UploadFunction", "Upload")
ROUTES = RouteTable([STATUS, STATUS_JSON, POSTMORTEM, POSTMORTEM_FEED, COMMANDS, FILES, FILES_PUT])


def test_a_path_parameter_is_one_segment_and_a_greedy_one_the_rest() -> None:
    assert ROUTES.match("GET", "/postmortems/INC-7") == (POSTMORTEM, {"id": "INC-7"}, True)
    assert ROUTES.match("GET", "/postmortems/INC-7/extra") == (None, {}, False)
    assert ROUTES.match("GET", "/files/a/b/c.txt") == (FILES, {"proxy": "a/b/c.txt"}, True)


def test_literal_segments_win_over_parameters_and_exact_methods_over_any() -> None:
    assert ROUTES.match("GET", "/postmortems/feed") == (POSTMORTEM_FEED, {}, True)
    assert ROUTES.match("GET", "/status.json") == (STATUS_JSON, {}, True)
    assert ROUTES.match("PUT", "/files/x") == (FILES_PUT, {"proxy": "x"}, True)
    assert ROUTES.match("DELETE", "/files/x") == (FILES, {"proxy": "x"}, True)


def test_a_trailing_slash_finds_the_same_route_without_a_redirect() -> None:
    assert ROUTES.match("GET", "/status/") == (STATUS, {}, True)
    assert ROUTES.match("GET", "/postmortems/INC-7/") == (POSTMORTEM, {"id": "INC-7"}, True)


@pytest.mark.parametrize(
    ("method", "path", "exists"),
    [
        ("POST", "/status", True),  # the path exists for GET only
        ("get", "/status", True),  # HTTP methods are case-sensitive
        ("HEAD", "/status", True),  # API Gateway does not answer HEAD for GET
        ("GET", "/slack/commands", True),
        ("GET", "/nowhere", False),
        ("POST", "/", False),
    ],
)
def test_anything_else_is_no_route(method: str, path: str, exists: bool) -> None:
    assert ROUTES.match(method, path) == (None, {}, exists)


TEMPLATE = """
Resources:
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: echo_fn/
      Handler: app.lambda_handler
      Events:
        Item: {Type: Api, Properties: {Path: "/items/{id}", Method: get}}
"""
ECHO = """
import json

def lambda_handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"id": event["pathParameters"]["id"], "path": event["path"]})}
"""


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LocalApi]:
    (tmp_path / "echo_fn").mkdir()
    (tmp_path / "echo_fn" / "app.py").write_text(ECHO)
    template = Template.from_text(TEMPLATE, root=tmp_path)
    with mock.patch.dict(os.environ):  # the runtime writes the function's settings into os.environ
        yield LocalApi(Runtime(template, local_environment({}, table_name="t")), port=0)


def _call(api: LocalApi, method: str, path: str) -> Reply:
    return api.handle(Request(method, path, header_items=[("Content-Type", "text/plain")]))


def test_the_local_api_answers_unknown_routes_and_methods_with_api_gateways_403(api: LocalApi) -> None:
    found = _call(api, "GET", "/items/42")
    assert (found.status, json.loads(found.body)) == (200, {"id": "42", "path": "/items/42"})
    for method, path in (("GET", "/nowhere"), ("DELETE", "/items/42"), ("POST", "/items/42"), ("GET", "/items")):
        refused = _call(api, method, path)
        assert (refused.status, refused.body) == (403, {"message": "Missing Authentication Token"}), (method, path)
        assert refused.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_local_helpers_are_routed_by_method_and_path(api: LocalApi) -> None:
    routes = _call(api, "GET", "/_local/routes")
    assert routes.body["routes"] == [{"method": "GET", "path": "/items/{id}", "function": "EchoFunction"}]
    assert _call(api, "POST", "/_local/invoke/Nope").status == 404  # routed: the function is unknown
    for method, path in (("GET", "/_local/invoke/EchoFunction"), ("POST", "/_local/routes"), ("GET", "/_local/x")):
        missing = _call(api, method, path)
        assert (missing.status, missing.body) == (404, {"message": f"No local helper at {method} {path}"})
