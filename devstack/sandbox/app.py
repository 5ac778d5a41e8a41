"""The sandbox's HTTP routes, mounted on the local API at `/` and `/sandbox/*`."""

from __future__ import annotations

import json
import threading
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from devstack import api as local_api
from devstack.sandbox.actions import Actions, Refused, form_lists
from devstack.sandbox.outbound import Outbound
from devstack.sandbox.page import Pages, Setup
from devstack.sandbox.state import SandboxState

if TYPE_CHECKING:
    from devstack.api import LocalApi, RouteHandler
    from devstack.httpserver import Request
    from devstack.sandbox.render import Where
    from devstack.standins.base import StandIn
    from devstack.standins.slack import SlackStandIn

Answer = tuple[int, dict[str, str], bytes | str]
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
_LONG_POLL_SECONDS = 20.0
_HTML = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
_JSON = {"Content-Type": "application/json", "Cache-Control": "no-store"}


def _jobs(api: LocalApi) -> tuple[str, ...]:
    """Return the job names the template's schedules send (their Input's "job")."""
    jobs = []
    for schedule in api.runtime.template.schedules():
        try:
            job = json.loads(schedule.input or "{}").get("job")
        except ValueError:
            job = None
        if job:
            jobs.append(str(job))
    return tuple(jobs)


class Sandbox:
    """A small Slack workspace in the browser, wired to opsdesk through the same signed HTTP path Slack uses."""

    def __init__(self, api: LocalApi, slack: SlackStandIn) -> None:
        self.api = api
        self.slack = slack
        environment = api.runtime.environment("SlackFunction")
        self.state = SandboxState()
        setup = Setup(
            environment.get("OPS_CHANNEL_ID", "C0OPS"), environment.get("TEAM_CHANNEL_ID", "C0TEAM"), _jobs(api)
        )
        self.pages = Pages(slack, self.state, setup)
        secret = environment.get("SLACK_SIGNING_SECRET", "")
        self.outbound = Outbound(lambda: self.api.url, secret, slack, self.state)
        webhooks = api.runtime.environment("WebhooksFunction") if "WebhooksFunction" in api.runtime.functions else {}
        self.actions = Actions(self.pages, self.outbound, lambda: self.api.url, dict(webhooks))
        self._routes: list[tuple[str, str, RouteHandler]] = [
            ("GET", "/", self.index),
            ("*", "/sandbox", self.handle),
        ]

    # ---- lifecycle
    def mount(self) -> Sandbox:
        """Register the routes, follow the Slack stand-in's changes, and invite opsdesk to both channels.

        A team's first step in a real workspace: an app receives a channel's messages only once it is invited.
        """
        for method, prefix, handler in self._routes:
            local_api.register_route(method, prefix, handler)
        self.slack.on_post.append(self.state.on_slack)
        self.slack.invite(self.pages.setup.ops_channel, self.pages.setup.team_channel)
        return self

    def unmount(self) -> None:
        """Remove the routes and the Slack hook (tests start and stop stacks)."""
        for route in self._routes:
            if route in local_api.extra_routes:
                local_api.extra_routes.remove(route)
        if self.state.on_slack in self.slack.on_post:
            self.slack.on_post.remove(self.state.on_slack)

    # ---- routes
    def index(self, request: Request) -> Answer:
        """Serve the page; opening the Home tab tells opsdesk, as Slack's app_home_opened does."""
        where = self.pages.where(request)
        if where.tab == "home":
            threading.Thread(target=self.outbound.app_home_opened, args=(where.user,), daemon=True).start()
        note = (request.query.get("note") or [""])[0]
        return 200, _HTML, self.pages.page(where, note)

    def handle(self, request: Request) -> Answer:
        """Serve /sandbox/*: static files, the live API, and the controls."""
        path = request.path.removeprefix("/sandbox").strip("/")
        section, _, rest = path.partition("/")
        if request.method == "GET" and section in ("static", "files"):
            return self._static(rest) if section == "static" else self._file(rest)
        if request.method == "GET" and path == "api/regions":
            version = self.state.version  # read first: a change while rendering must not be missed
            return (
                200,
                _JSON,
                json.dumps({"version": version, "regions": self.pages.regions(self.pages.where(request))}),
            )
        if request.method == "GET" and path == "api/wait":
            seen = int((request.query.get("v") or ["-1"])[0] or -1)
            return 200, _JSON, json.dumps({"version": self.state.wait(seen, _LONG_POLL_SECONDS)})
        if request.method == "GET" and path == "api/state":
            return 200, _JSON, json.dumps(self.snapshot(), default=sorted)
        if request.method == "POST" and section == "do":
            return self._do(rest, request)
        return 404, {"Content-Type": "text/plain"}, f"No sandbox page at {request.method} {request.path}"

    def _static(self, name: str) -> Answer:
        folder = resources.files("devstack.sandbox").joinpath("static")
        suffix = "." + name.rpartition(".")[2]
        if "/" in name or suffix not in _STATIC_TYPES or not folder.joinpath(name).is_file():
            return 404, {"Content-Type": "text/plain"}, "not found"
        return (
            200,
            {"Content-Type": _STATIC_TYPES[suffix], "Cache-Control": "no-cache"},
            folder.joinpath(name).read_bytes(),
        )

    def _file(self, file_id: str) -> Answer:
        """A file opsdesk uploaded (the weekly report's chart), as Slack shows it to the channel's members."""
        found = self.slack.file_content(file_id)
        if found is None:
            return 404, {"Content-Type": "text/plain"}, "no such file"
        mimetype, data = found
        return 200, {"Content-Type": mimetype, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}, data

    def _do(self, name: str, request: Request) -> Answer:
        """Run a control; answer JSON to the page's script, or redirect back for a plain form post."""
        where = self.pages.where(request)
        try:
            note, ok = self.actions.run(name, where, form_lists(request)), True
        except Refused as refused:
            note, ok = str(refused), False
        if "json" in request.headers.get("accept", ""):
            return (200 if ok else 400), _JSON, json.dumps({"ok": ok, "note": note})
        return 303, {"Location": self._back(where, note), "Content-Type": "text/plain"}, note

    @staticmethod
    def _back(where: Where, note: str) -> str:
        link = where.link()
        return f"{link}&{urlencode({'note': note})}"

    def snapshot(self) -> dict[str, Any]:
        """Return the raw state as JSON (for debugging and tests): channels, modals, notes, the outside-world log."""
        with self.slack.lock:
            channels = self.slack.workspace.snapshot()["channels"]
        return {
            "version": self.state.version,
            "channels": channels,
            "modals": dict(self.state.stacks),
            "notes": self.state.notes,
            "log": self.state.log,
        }


def mount(api: LocalApi, slack: StandIn | None) -> Sandbox | None:
    """Serve the sandbox from the local API; without the Slack stand-in (SLACK_API_URL set) there is nothing to show."""
    from devstack.standins.slack import SlackStandIn

    if not isinstance(slack, SlackStandIn):
        api.log("[sandbox] off: SLACK_API_URL points at another Slack, so the sandbox has no workspace to show")
        return None
    api.log(f"[sandbox] {api.url}/ : a Slack-like workspace for opsdesk in your browser")
    return Sandbox(api, slack).mount()
