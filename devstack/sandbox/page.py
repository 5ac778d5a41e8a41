"""The sandbox page: sidebar, channel, thread or outside-world pane, modal; and the regions that refresh live."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from devstack.sandbox.elements import attr
from devstack.sandbox.mrkdwn import Names
from devstack.sandbox.render import Renderer, Where, dm_name, home_channel
from devstack.sandbox.world import JIRA_STATUSES
from devstack.standins.slack_workspace import BOT_USER_ID, person, ts_key

if TYPE_CHECKING:
    from devstack.httpserver import Request
    from devstack.sandbox.state import SandboxState
    from devstack.standins.slack import SlackStandIn

USERS = ("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0PAM")
ROLES = {
    "U0ALICE": "support",
    "U0BOB": "support",
    "U0CAROL": "support",
    "U0DAVE": "requester",
    "U0PAM": "product manager",
}
TOPICS = {
    "laa-ops": "Ask the ops team anything · incidents are announced here",
    "laa-aws-webops-team": "The team's own channel: handovers, reports",
}
_LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Setup:
    """The workspace's fixed facts, from the functions' environment and the template."""

    ops_channel: str
    team_channel: str
    jobs: tuple[str, ...]

    @property
    def channel_names(self) -> dict[str, str]:
        """Return channel id -> name, as the team knows them."""
        return {self.ops_channel: "laa-ops", self.team_channel: "laa-aws-webops-team"}


def static_text(name: str) -> str:
    """Return a file of devstack/sandbox/static/ as text."""
    return resources.files("devstack.sandbox").joinpath("static", name).read_text(encoding="utf-8")


class Pages:
    """Render what one viewer sees, from the Slack stand-in's store and the sandbox's state."""

    def __init__(self, slack: SlackStandIn, state: SandboxState, setup: Setup) -> None:
        self.slack = slack
        self.state = state
        self.setup = setup
        names = Names(lambda user: str(person(user)["real_name"]), self.channel_name)
        self.renderer = Renderer(
            names,
            {user: str(person(user)["real_name"]) for user in USERS},
            setup.channel_names,
            has_file=lambda file_id: slack.file_content(file_id) is not None,
        )

    def channel_name(self, channel: str) -> str:
        """Return a channel's display name."""
        return self.setup.channel_names.get(channel) or (dm_name(channel) if channel[:1] in "DG" else channel.lower())

    def where(self, request: Request) -> Where:
        """Read the viewer's place from query or form fields, with sensible defaults."""
        params = {**{key: values[0] for key, values in request.query.items()}, **request.form()}
        user = str(params.get("u")) if params.get("u") in USERS else USERS[0]
        channel = params.get("c") or self.setup.ops_channel
        if channel[:1] == "D" and channel != home_channel(user) and channel[1:] in {u[1:] for u in USERS}:
            channel = home_channel(user)  # switching person follows "your DM with the app"
        tab = "home" if params.get("tab") == "home" else "messages"
        return Where(str(user), channel, params.get("t") or None, tab)

    # ---- regions (replaced live by the page's script)
    def regions(self, where: Where) -> dict[str, str]:
        """Return each live region's HTML."""
        regions = {"sidebar": self.sidebar(where), "modal": self.modal(where), "world-log": self.world_log()}
        if where.tab == "home":
            regions["home"] = self.home(where)
        else:
            regions["messages"] = self.channel_messages(where)
        if where.thread:
            regions["thread"] = self.thread_messages(where)
        return regions

    def sidebar(self, where: Where) -> str:
        """Render the channel list, the app, and any other conversation opsdesk wrote to."""

        def item(label: str, link: str, current: bool, test_id: str) -> str:
            css = ' class="current" aria-current="page"' if current else ""
            return f'<a{css} href="{attr(link)}" data-testid="{attr(test_id)}">{label}</a>'

        def go(channel: str, tab: str | None = None) -> str:
            return where.link(c=channel, t=None, tab=tab)

        on = where.channel if where.tab != "home" else ""
        channels = [
            item(f"# {html.escape(name)}", go(channel), on == channel, f"channel-{name}")
            for channel, name in self.setup.channel_names.items()
        ]
        dm = home_channel(where.user)
        apps = [
            item("🏠 Home", go(dm, "home"), where.tab == "home", "app-home"),
            item("💬 Messages", go(dm), on == dm, "app-messages"),
        ]
        known = {*self.setup.channel_names, dm}
        with self.slack.lock:
            others = sorted(
                channel for channel, kept in self.slack.workspace.channels.items() if kept and channel not in known
            )
        other_items = [
            item(html.escape(self.channel_name(channel)), go(channel), on == channel, f"dm-{channel}")
            for channel in others
        ]
        world = item("🌍 Outside world", where.link(t=None), not where.thread, "outside-world")
        sections = [
            ("Channels", channels),
            ("Apps · opsdesk", apps),
            ("Other conversations", other_items),
            ("Simulate", [world]),
        ]
        return "".join(f"<h2>{title}</h2>{''.join(items)}" for title, items in sections if items)

    def _ephemeral(self, where: Where) -> list[dict[str, Any]]:
        # The stored "user" is who sees it; the app wrote it.
        shown = [dict(item, ephemeral=True, user=BOT_USER_ID) for item in self.slack.ephemeral_messages(where.user)]
        shown += [dict(item, ephemeral=True, user=BOT_USER_ID) for item in self.state.notes_for(where.user)]
        return [item for item in shown if item.get("channel") == where.channel]

    def _reactions(self, message: dict[str, Any], channel: str) -> dict[str, set[str]]:
        return self.state.reactions_on(channel, str(message["ts"]))

    def _render(self, messages: list[dict[str, Any]], where: Where, *, in_thread: bool) -> str:
        if not messages:
            return self.renderer.timeline([], where)
        ordered = sorted(messages, key=lambda item: ts_key(str(item["ts"])))
        return "".join(
            self.renderer.message(item, where, in_thread=in_thread, reactions=self._reactions(item, where.channel))
            for item in ordered
        )

    def channel_messages(self, where: Where) -> str:
        """Render the channel: top-level messages, broadcast replies, and this viewer's ephemeral messages."""
        stored = self.slack.messages(where.channel)
        top = [m for m in stored if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"]
        top += [item for item in self._ephemeral(where) if not item.get("thread_ts")]
        return self._render(top, where, in_thread=False)

    def thread_messages(self, where: Where) -> str:
        """Render a thread: its parent, replies, and this viewer's ephemeral messages in it."""
        assert where.thread is not None
        stored = self.slack.thread(where.channel, where.thread)
        stored += [item for item in self._ephemeral(where) if item.get("thread_ts") == where.thread]
        return self._render(stored, where, in_thread=True)

    def find_view(self, view_id: str) -> dict[str, Any] | None:
        """Return a view by id: one a submission answered with, else one the stand-in stored."""
        local = self.state.local_views.get(view_id)
        return local or next((view for view in self.slack.views() if view["id"] == view_id), None)

    def modal(self, where: Where) -> str:
        """Render the viewer's top modal, if any."""
        view_id = self.state.top(where.user)
        view = self.find_view(view_id) if view_id else None
        if view is None:
            return ""
        record = self.state.modal(view["id"])
        depth = len(self.state.stacks.get(where.user) or [])
        return self.renderer.modal(view, where, record.errors, record.drafts, depth)

    def home(self, where: Where) -> str:
        """Render the viewer's App Home."""
        view_id = self.slack.workspace.home_views.get(where.user)
        return self.renderer.home(self.find_view(view_id) if view_id else None, where)

    def world_log(self) -> str:
        """Render what the outside-world panel fired, newest first."""
        rows = [
            f'<li class="{"ok" if entry["status"] < 400 else "bad"}"><b>{html.escape(entry["what"])}</b> '
            f'<span class="status">{entry["status"]}</span> <time>{entry["at"]}</time>'
            f"<pre>{html.escape(entry['detail'])}</pre></li>"
            for entry in self.state.log
        ]
        return "<ol>" + "".join(rows) + "</ol>" if rows else '<p class="empty">Nothing fired yet.</p>'

    # ---- the whole page
    def page(self, where: Where, note: str = "") -> str:
        """Render the full page (it works without JavaScript; the script only makes it live)."""
        version = self.state.version
        regions = self.regions(where)
        if where.tab == "home":
            title, topic = "opsdesk", "App Home"
            main = f'<div class="scroll" id="home">{regions["home"]}</div>'
        else:
            title = ("# " if where.channel[:1] == "C" else "") + self.channel_name(where.channel)
            topic = TOPICS.get(self.setup.channel_names.get(where.channel, ""), "")
            main = f'<div class="scroll" id="messages">{regions["messages"]}</div>' + self.composer(where, thread=False)
        if where.thread:
            pane_label = "Thread"
            pane = (
                f'<div class="pane-head"><b>Thread</b> <span>#{html.escape(self.channel_name(where.channel))}</span>'
                f'<a class="close" href="{attr(where.link(t=None))}" aria-label="Close thread">×</a></div>'
                f'<div class="scroll" id="thread">{regions["thread"]}</div>' + self.composer(where, thread=True)
            )
        else:
            pane_label, pane = "Outside world", self.world_panel(where, regions["world-log"])
        options = "".join(
            f'<option value="{u}"{" selected" if u == where.user else ""}>'
            f"{html.escape(str(person(u)['real_name']))} ({ROLES[u]})</option>"
            for u in USERS
        )
        values = {
            "title": html.escape(title), "topic": html.escape(topic), "version": version, "main": main,
            "pane": pane, "pane_label": pane_label, "sidebar": regions["sidebar"], "modal": regions["modal"],
            "note": html.escape(note), "user_options": options, "channel": attr(where.channel),
            "thread": attr(where.thread or ""), "tab": attr(where.tab),
            "home_link": attr(where.link(c=self.setup.ops_channel, t=None, tab=None)),
            "regions_query": attr(where.link().removeprefix("/?")),
            "layout_class": " with-thread" if where.thread else "",
        }  # fmt: skip
        return Template(static_text("page.html")).substitute(values)

    def composer(self, where: Where, *, thread: bool) -> str:
        """Render a message box: text or a slash command, sent as the acting person."""
        hash_sign = "#" if where.channel[:1] == "C" else ""
        place = (
            "Reply…" if thread else f"Message {hash_sign}{self.channel_name(where.channel)}, or /incident, /support…"
        )
        in_thread = f'<input type="hidden" name="in_thread" value="{attr(where.thread or "")}">' if thread else ""
        label = "Reply" if thread else "Message"
        # Slack's composer: a file with the message (a file_share), or a reply also sent to the channel.
        option = (
            f'<label class="compose-option"><input type="checkbox" name="broadcast" value="1"> '
            f"Also send to {hash_sign}{html.escape(self.channel_name(where.channel))}</label>"
            if thread
            else '<label class="compose-option"><input type="checkbox" name="attach" value="screenshot.png"> '
            "📎 Attach a screenshot</label>"
        )
        return (
            f'<form class="composer" method="post" action="/sandbox/do/send" data-reset>{where.hidden()}{in_thread}'
            f'<textarea name="text" rows="2" required placeholder="{attr(place)}" aria-label="{label}"></textarea>'
            f'{option}<button class="btn primary send">Send</button></form>'
        )

    def world_panel(self, where: Where, log: str) -> str:
        """Render the forms that fire what the outside world would: alarms, schedule ticks, Jira transitions."""
        now = datetime.now(_LONDON).strftime("%Y-%m-%dT%H:%M")
        jobs = "".join(f'<option value="{attr(job)}">{html.escape(job)}</option>' for job in self.setup.jobs)
        hidden = where.hidden()

        def statuses(chosen: str) -> str:
            return "".join(f"<option{' selected' if name == chosen else ''}>{name}</option>" for name in JIRA_STATUSES)

        return f"""<div class="pane-head"><b>Outside world</b><span>what AWS and Jira would send</span></div>
<div class="scroll world">
<form class="card" method="post" action="/sandbox/do/alarm">{hidden}<h3>CloudWatch alarm</h3>
<label>Alarm name <input name="name" value="prod-api-5xx" required></label>
<div class="row"><button class="btn danger" name="state" value="ALARM">Fire ALARM</button>
<button class="btn" name="state" value="OK">Send OK</button></div></form>
<form class="card" method="post" action="/sandbox/do/tick">{hidden}<h3>Schedule tick</h3>
<label>Job <select name="job">{jobs}</select></label>
<label>At (London) <input type="datetime-local" name="at" value="{now}"></label>
<button class="btn">Run tick</button></form>
<form class="card" method="post" action="/sandbox/do/jira">{hidden}<h3>Jira transition</h3>
<label>Issue key <input name="key" placeholder="OPS-1" required></label>
<div class="row"><span class="field-col"><label for="jira-from">From</label>
<select id="jira-from" name="previous">{statuses("To Do")}</select></span>
<span class="field-col"><label for="jira-to">To</label>
<select id="jira-to" name="status">{statuses("Done")}</select></span></div>
<button class="btn">Send webhook</button></form>
<h3>What came back</h3><div id="world-log">{log}</div></div>"""
