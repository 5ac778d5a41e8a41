"""What each sandbox control does: turn a form post into the signed request Slack (or AWS, or Jira) would send."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from devstack.sandbox.blocks import find, state_values
from devstack.sandbox.elements import read_state
from devstack.sandbox.outbound import NOT_DELIVERED, with_mentions
from devstack.sandbox.page import USERS
from devstack.sandbox.shortcuts import MESSAGE_SHORTCUTS
from devstack.sandbox.world import alarm_event, jira_issue_updated, parse_local_time, post_json
from devstack.sandbox.world import schedule_event as tick_event
from devstack.standins.jira_webhooks import SIGNATURE_HEADER, signature

if TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.httpserver import Request
    from devstack.sandbox.outbound import Outbound, Sent
    from devstack.sandbox.page import Pages
    from devstack.sandbox.render import Where


class Refused(Exception):
    """The control cannot act (an unknown message or view, a failed request); the text says why."""


def form_lists(request: Request) -> dict[str, list[str]]:
    """Return every form field with all its values (checkboxes and multi-selects repeat)."""
    return parse_qs(request.text(), keep_blank_values=True)


def _problem(sent: Sent, what: str) -> str | None:
    if sent.status < 400:
        return None
    return f"{what} failed: opsdesk answered {sent.status} {sent.body[:300]}"


class Actions:
    """One method per control; each returns a short note for the person (or raises Refused)."""

    def __init__(self, pages: Pages, outbound: Outbound, api_url: Callable[[], str], secrets: dict[str, str]) -> None:
        self.pages = pages
        self.outbound = outbound
        self.api_url = api_url
        self.secrets = secrets

    @property
    def state(self) -> Any:
        """Return the sandbox state (shared with the pages)."""
        return self.pages.state

    def run(self, name: str, where: Where, form: dict[str, list[str]]) -> str:
        """Run the named control."""
        method = getattr(self, f"do_{name.replace('-', '_')}", None)
        if method is None:
            raise Refused(f"No sandbox control named {name!r}.")
        note: str = method(where, {key: values for key, values in form.items()})
        return note

    # ---- people
    def do_send(self, where: Where, form: dict[str, list[str]]) -> str:
        text = (form.get("text") or [""])[0].strip()
        thread = (form.get("in_thread") or [""])[0] or None
        files = tuple(name for name in form.get("attach") or [] if name)
        if not text and not files:
            raise Refused("Write something first.")
        if text.startswith("/"):
            sent = self.outbound.command(where.user, where.channel, text)
            if problem := _problem(sent, text.split()[0]):
                raise Refused(problem)
            self._keep_ack(sent, where, thread)
            return f"Sent {text.split()[0]}."
        sent = self.outbound.message(
            where.user,
            where.channel,
            with_mentions(text, list(USERS)),
            thread_ts=thread,
            files=files,
            broadcast=bool((form.get("broadcast") or [""])[0]),
        )
        if problem := _problem(sent, "Delivering the message event"):
            raise Refused(problem)
        return f"Sent ({sent.body})." if sent.body == NOT_DELIVERED else "Sent."

    def do_delete(self, where: Where, form: dict[str, list[str]]) -> str:
        """Delete one of your own messages, as Slack lets its author."""
        channel, ts = (form.get(key, [""])[0] for key in ("chan", "ts"))
        message = self._message(where, channel, ts, ephemeral=False)
        if message.get("user") != where.user:
            raise Refused("Only its author can delete a message.")
        if problem := _problem(self.outbound.delete(channel, ts), "Delivering the deletion"):
            raise Refused(problem)
        return "Deleted."

    def _keep_ack(self, sent: Sent, where: Where, thread: str | None) -> None:
        """Slack shows a slash command's ack body to the person who typed it, as an ephemeral message."""
        body = sent.json()
        if not body and sent.body.strip():
            body = {"text": sent.body.strip()}
        if body.get("text") or body.get("blocks"):
            self.state.add_note(where.user, where.channel, body, thread)

    def do_react(self, where: Where, form: dict[str, list[str]]) -> str:
        channel, ts, name = (form.get(key, [""])[0] for key in ("chan", "ts", "reaction"))
        self.state.react(channel, ts, name, where.user)
        if problem := _problem(self.outbound.reaction(where.user, channel, ts, name), "reaction_added"):
            raise Refused(problem)
        return f"Reacted :{name}:."

    def do_shortcut(self, where: Where, form: dict[str, list[str]]) -> str:
        """A message shortcut from a message's hover bar (the ones slack-app-manifest.yaml declares)."""
        channel, ts, callback_id = (form.get(key, [""])[0] for key in ("chan", "ts", "shortcut"))
        if callback_id not in MESSAGE_SHORTCUTS:
            raise Refused(f"No message shortcut {callback_id!r} in slack-app-manifest.yaml.")
        message = self._message(where, channel, ts, ephemeral=False)
        shown = {key: value for key, value in message.items() if key not in ("channel", "edits")}
        where_used = {"id": channel, "name": self.pages.channel_name(channel)}
        sent = self.outbound.message_action(where.user, callback_id, where_used, shown)
        if problem := _problem(sent, MESSAGE_SHORTCUTS[callback_id]):
            raise Refused(problem)
        return f"Used {MESSAGE_SHORTCUTS[callback_id]}."

    def do_act(self, where: Where, form: dict[str, list[str]]) -> str:
        """A control in a message: send `block_actions` with the message, its container and its state."""
        channel, ts, position = (form.get(key, [""])[0] for key in ("chan", "ts", "el"))
        ephemeral = bool(form.get("eph", [""])[0])
        message = self._message(where, channel, ts, ephemeral=ephemeral)
        blocks = message.get("blocks") or []
        action = self._action(blocks, position, form)
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        }
        if message.get("thread_ts"):
            container["thread_ts"] = message["thread_ts"]
        extra: dict[str, Any] = {
            "channel": {"id": channel, "name": self.pages.channel_name(channel)},
            "state": {"values": state_values(blocks, form)},
            "response_url": self.pages.slack.response_url(channel, where.user, uuid.uuid4().hex[:8]),
        }
        if not ephemeral:
            extra["message"] = {key: value for key, value in message.items() if key not in ("channel", "edits")}
        sent = self.outbound.block_actions(where.user, action, container, **extra)
        if problem := _problem(sent, f"Clicking {action.get('action_id')}"):
            raise Refused(problem)
        return f"Clicked {action.get('action_id')}."

    def _message(self, where: Where, channel: str, ts: str, *, ephemeral: bool) -> dict[str, Any]:
        if ephemeral:
            candidates = self.pages.slack.ephemeral_messages(where.user) + self.state.notes_for(where.user)
        else:
            candidates = self.pages.slack.messages(channel)
        message: dict[str, Any] | None = next((item for item in candidates if str(item.get("ts")) == ts), None)
        if message is None:
            raise Refused("That message is gone.")
        return message

    @staticmethod
    def _action(blocks: list[dict[str, Any]], position: str, form: dict[str, list[str]]) -> dict[str, Any]:
        found = find(blocks, position)
        if found is None:
            raise Refused("That control is gone (the message changed).")
        _, element, block_id = found
        action: dict[str, Any] = {"action_id": element.get("action_id") or f"sa{position}", "block_id": block_id}
        if element.get("type") == "button":
            action.update(type="button", text=element.get("text"))
            action.update({key: element[key] for key in ("value", "style", "url") if key in element})
        else:
            action.update(read_state(element, form.get(f"o.{position}", [])))
        return action

    # ---- views
    def _view(self, form: dict[str, list[str]]) -> dict[str, Any]:
        view = self.pages.find_view(form.get("view", [""])[0])
        if view is None:
            raise Refused("That view is closed.")
        return view

    def _with_state(self, view: dict[str, Any], form: dict[str, list[str]]) -> dict[str, Any]:
        """Return the view with `state.values` from the form, and keep what was typed (a re-render must not lose it)."""
        drafts = {key: values for key, values in form.items() if key.startswith("o.")}
        self.state.modal(view["id"]).drafts = drafts
        return {**view, "state": {"values": state_values(view.get("blocks") or [], form)}}

    def do_view_act(self, where: Where, form: dict[str, list[str]]) -> str:
        """A button or select inside a modal or the Home tab: `block_actions` with a view container."""
        view = self._with_state(self._view(form), form)
        action = self._action(view.get("blocks") or [], form.get("el", [""])[0], form)
        container = {"type": "view", "view_id": view["id"]}
        sent = self.outbound.block_actions(where.user, action, container, view=view)
        if problem := _problem(sent, f"Clicking {action.get('action_id')}"):
            raise Refused(problem)
        return f"Clicked {action.get('action_id')}."

    def do_submit(self, where: Where, form: dict[str, list[str]]) -> str:
        """Submit a modal and do what the ack says: close, show errors, update, push or clear."""
        view = self._with_state(self._view(form), form)
        sent = self.outbound.view_submission(where.user, view)
        if problem := _problem(sent, "Submitting the form"):
            raise Refused(problem)
        answer = sent.json()
        kind = answer.get("response_action")
        if kind == "errors":
            self.state.modal(view["id"]).errors = {
                str(key): str(value) for key, value in (answer.get("errors") or {}).items()
            }
            self.state.bump()
            return "The form has errors."
        if kind in ("update", "push") and isinstance(answer.get("view"), dict):
            self.state.replace_top(where.user, answer["view"], push=kind == "push")
            return "The form changed."
        self.state.close(where.user, everything=kind == "clear")
        return "Submitted."

    def do_close(self, where: Where, form: dict[str, list[str]]) -> str:
        """Close the top modal, telling opsdesk when the view asked to be told."""
        view = self.pages.find_view(form.get("view", [""])[0])
        if view and view.get("notify_on_close"):
            self.outbound.view_closed(where.user, view, cleared=False)
        self.state.close(where.user)
        return "Closed."

    # ---- the outside world
    def _record(self, what: str, status: int, text: str) -> str:
        try:
            detail = json.dumps(json.loads(text), indent=1)
        except ValueError:
            detail = text
        self.state.record(what, status, detail)
        if status >= 400:
            raise Refused(f"{what}: {status} {text[:300]}")
        return f"{what}: {status}"

    def do_alarm(self, where: Where, form: dict[str, list[str]]) -> str:
        name = form.get("name", ["prod-api-5xx"])[0].strip() or "prod-api-5xx"
        state = "OK" if form.get("state", ["ALARM"])[0] == "OK" else "ALARM"
        event = alarm_event(name, state, parse_local_time(""))
        status, text = post_json(f"{self.api_url()}/_local/invoke/AlarmsFunction", event)
        return self._record(f"Alarm {name} {state}", status, text)

    def do_tick(self, where: Where, form: dict[str, list[str]]) -> str:
        job = form.get("job", [""])[0]
        at = parse_local_time(form.get("at", [""])[0])
        status, text = post_json(f"{self.api_url()}/_local/invoke/SchedulesFunction", tick_event(job, at))
        return self._record(f"Tick {job} at {at:%Y-%m-%d %H:%M}", status, text)

    def do_jira(self, where: Where, form: dict[str, list[str]]) -> str:
        key = form.get("key", [""])[0].strip().upper()
        if not key:
            raise Refused("Give an issue key, e.g. OPS-1.")
        status_name, previous = form.get("status", ["Done"])[0], form.get("previous", ["To Do"])[0]
        body = jira_issue_updated(key, status_name, previous=previous)
        secret = self.secrets.get("JIRA_WEBHOOK_SECRET", "")
        # Signed as a Jira admin webhook with a secret signs it (X-Hub-Signature over the raw body).
        status, text = post_json(
            f"{self.api_url()}/jira/webhook", body, sign=lambda raw: {SIGNATURE_HEADER: signature(raw, secret)}
        )
        return self._record(f"Jira {key} {previous} → {status_name}", status, text)
