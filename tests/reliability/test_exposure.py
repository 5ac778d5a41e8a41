"""Public exposure: the status and postmortem pages are public, so every answer they give is locked down."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from devstack.api import LocalApi
from devstack.httpserver import Request
from tests.harness import header
from tests.reliability.test_bad_input_elsewhere import invoked, page_event, publish_one

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("public exposure")

NEEDED_DIRECTIVES = {
    "default-src": "'none'",  # nothing loads unless named below: no script, font, connection or object
    "style-src": "'unsafe-inline'",  # the pages' one inline <style>
    "img-src": "'self'",
    "frame-ancestors": "'none'",  # no page of ours inside another site's frame (clickjacking)
    "form-action": "'none'",
    "base-uri": "'none'",
}


def directives(policy: str) -> dict[str, str]:
    return {name: value.strip() for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))}


def assert_locked_down(response: dict[str, Any], what: str) -> None:
    policy = directives(header(response, "Content-Security-Policy") or "")
    assert {name: policy.get(name) for name in NEEDED_DIRECTIVES} == NEEDED_DIRECTIVES, (what, policy)
    assert "script-src" not in policy, what
    assert header(response, "X-Content-Type-Options") == "nosniff", what
    assert header(response, "X-Frame-Options") == "DENY", what
    assert header(response, "Referrer-Policy") == "no-referrer", what
    cache = header(response, "Cache-Control") or ""
    max_age = re.search(r"max-age=(\d+)", cache)
    assert "public" in cache and max_age and 0 < int(max_age.group(1)) <= 60, (what, cache)
    assert header(response, "Content-Type"), what


def test_every_public_answer_carries_the_security_headers(stack: Stack, ledger: Ledger) -> None:
    # GIVEN a published postmortem (so the 200 paths answer too)
    published = publish_one(stack)
    answers = {
        "status page": ("GET", "/status", None, 200),
        "status JSON": ("GET", "/status.json", None, 200),
        "postmortem index": ("GET", "/postmortems", None, 200),
        "postmortem": ("GET", f"/postmortems/{published}", None, 200),
        "postmortem as Markdown": ("GET", f"/postmortems/{published}.md", None, 200),
        "postmortem as Markdown (query)": ("GET", f"/postmortems/{published}", {"format": "md"}, 200),
        "unpublished postmortem": ("GET", "/postmortems/INC-ZZZZZ", None, 404),
        "unknown path": ("GET", "/nope", None, 404),
        "another method": ("POST", "/status", None, 405),
        "a method in lower case": ("get", "/status", None, 405),
    }
    # WHEN each is asked of the real handler
    for what, (method, path, query, status) in answers.items():
        response = invoked(stack, "PagesFunction", page_event(method, path, {}, query))
        # THEN it answers as expected, locked down
        assert response["statusCode"] == status, (what, response["statusCode"])
        assert_locked_down(response, what)
    ledger.tried(len(answers))


def test_the_headers_reach_the_browser_through_the_api(stack: Stack) -> None:
    publish_one(stack)
    with LocalApi(stack.runtime, port=0) as api:
        for path in ("/status", "/postmortems"):
            reply = api.handle(Request("GET", path, header_items=[]))
            assert reply.status == 200
            headers = {name.lower(): value for name, value in reply.headers.items()}
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"


def test_the_status_json_may_be_read_by_other_sites_but_nothing_else_is_shared(stack: Stack) -> None:
    origin = {"Origin": "https://dashboards.example.org"}
    shared = invoked(stack, "PagesFunction", page_event("GET", "/status.json", origin, None))
    page = invoked(stack, "PagesFunction", page_event("GET", "/status", origin, None))
    assert header(shared, "Access-Control-Allow-Origin") == "*"
    assert header(page, "Access-Control-Allow-Origin") is None
    assert header(shared, "Access-Control-Allow-Credentials") is None


def test_the_pages_need_nothing_their_policy_forbids(stack: Stack) -> None:
    published = publish_one(stack)
    for path in ("/status", "/postmortems", f"/postmortems/{published}"):
        body = invoked(stack, "PagesFunction", page_event("GET", path, {}, None))["body"]
        assert "<script" not in body and " on" + "click=" not in body
        # Every link is relative or to this site: nothing is loaded from elsewhere.
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", body), path
