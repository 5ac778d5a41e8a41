from __future__ import annotations
import json
from urllib.parse import urlencode
def test_x(stack):
    body = urlencode({"payload": json.dumps({"type":"view_submission","view":{"callback_id":""},"user":{"id":"U"}})})
    r = stack.slack.post("/slack/interactions", body)
    print(r)
    assert r["statusCode"] < 500
