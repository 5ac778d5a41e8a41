"""Other people's words are shown, never obeyed: every view and notifier, every text field, hostile.

GIVEN every text field of every piece of data a view or notifier receives holds Slack's control
sequences (a channel-wide ping, a user-group ping, a disguised link, a mention), WHEN every public
view function and every notifier method renders it, THEN no control sequence survives in any mrkdwn
it produced (message text, section text, fields, context), and nothing is escaped twice.

The tables are checked against the modules themselves: a new view function or notifier method that
is not driven here fails the test until it is, so the guarantee cannot quietly go stale.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from opsdesk.domain.alerts import AlertAlarm, AlertGroup, AlertNote, AlertStatus, NoteKind
from opsdesk.domain.day import Board, Handover, MorningDigest, Overnight
from opsdesk.domain.errors import Conflict
from opsdesk.domain.incidents import AlarmInfo, Announcement, EntryKind, Incident, Priority, Status, TimelineEntry
from opsdesk.domain.ports import AfterHours, Checklist, Posted
from opsdesk.domain.postmortems import ActionItem, ActionPriority, DraftEntry, Postmortem
from opsdesk.domain.public_status import PublicNotice, PublicUpdate
from opsdesk.domain.requests import Raise, Stage, SupportRequest
from opsdesk.domain.rota import Cover, OnDuty, Pair, RotaToday
from opsdesk.domain.stats import Figures, IncidentFigures, RequestFigures, Summary, WeeklyReport
from opsdesk.domain.tickets import Ticket
from opsdesk.slack import views
from opsdesk.slack.access import ChannelProblem
from opsdesk.slack.day_notifier import SlackDayNotifier
from opsdesk.slack.fit import fit
from opsdesk.slack.notifier import SlackIncidentNotifier
from opsdesk.slack.support_notifier import SlackSupportNotifier
from opsdesk.slack.views import alerts, incident_thread, incidents, mrkdwn, postmortems, rota, support

# Everything Slack obeys in mrkdwn: pings of the whole channel, of everyone online, of a user group,
# a mention, a link whose label lies about where it goes, and a date token.
HOSTILE = (
    "<!channel> <!here> <!everyone> <!subteam^S0HOSTILE|@oncall> <@U0VICTIM> "
    "<https://evil.example/login|https://myapps.amazon.com> <!date^1|x> & &lt;kept&gt; *bold*"
)
OBEYED = ("<!channel", "<!here", "<!everyone", "<!subteam", "<@U0VICTIM", "<https://evil", "<!date^1|")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
OPS = "C0OPS"


def hostile(cls: type, **given: Any) -> Any:
    """An instance of a dataclass with HOSTILE in every text field not `given` (new fields included)."""
    values: dict[str, Any] = {}
    for part in dataclasses.fields(cls):
        if part.name in given:
            values[part.name] = given[part.name]
        elif part.type in ("str", "str | None"):
            values[part.name] = HOSTILE
    return cls(**values)


# ---------------------------------------------------------------- the data, hostile everywhere

ALARM = hostile(AlarmInfo, state_changed_at=NOW, runbook_url=f"https://runbooks.example/x?{HOSTILE}")


def an_incident(**overrides: Any) -> Incident:
    given: dict[str, Any] = {
        "id": "INC-7K3QF",
        "priority": Priority.HIGH,
        "declared_at": NOW,
        "declared_by": "U0ALICE",
        "lead": HOSTILE,  # a lead that is not a Slack id is shown as words: those words too
        "alarm": ALARM,
        "announcement": Announcement(OPS, "1.0"),
        "participants": frozenset({"U0ALICE", HOSTILE}),
        "last_update_at": NOW,
        "lead_at": NOW,
        "last_checkin_at": NOW,
        "public": PublicNotice(HOSTILE, NOW, (PublicUpdate(NOW, HOSTILE),)),
    }
    return hostile(Incident, **{**given, **overrides})


INCIDENT = an_incident()
RESOLVED = an_incident(status=Status.RESOLVED, resolved_at=NOW + timedelta(hours=1))


def entries() -> list[TimelineEntry]:
    """One entry of every kind, with hostile words and people, and the quoted and legacy shapes."""
    made = [
        hostile(TimelineEntry, at=NOW, kind=kind, source_key=f"slack-action:1.{index}:U0ALICE", priority=Priority.HIGH)
        for index, kind in enumerate(EntryKind)
    ]
    quoted_here = f"slack-message:{OPS}:1.5"
    made.append(hostile(TimelineEntry, at=NOW, kind=EntryKind.NOTE, source_key=quoted_here, actor="U0BOB"))
    made.append(hostile(TimelineEntry, at=NOW, kind=EntryKind.NOTE, source_key="slack-message:G0PRIVATE:1.6"))
    made.append(hostile(TimelineEntry, at=NOW, kind=EntryKind.UPDATE, source_key="x", verbatim=True))
    return made


ENTRIES = entries()
REQUEST = hostile(
    SupportRequest,
    channel=OPS,
    ts="1.0",
    requester="U0ALICE",
    created_at=NOW,
    stage=Stage.IN_PROGRESS,
    ticket_key=HOSTILE,
    ticket_url=f"https://jira.example/browse/{HOSTILE}",
    panel_ts="2.0",
    incident_id="INC-7K3QF",  # opsdesk's own id
)
DONE_REQUEST = hostile(SupportRequest, channel=OPS, ts="1.1", created_at=NOW, stage=Stage.DONE, message_deleted=True)
TICKET = hostile(Ticket, url=f"https://jira.example/browse/x?{HOSTILE}")
ITEM = hostile(ActionItem, number=1, priority=ActionPriority.HIGH, created_at=NOW, due=date(2026, 12, 1))
DONE_ITEM = dataclasses.replace(ITEM, number=2, done=True)
POSTMORTEM = hostile(
    Postmortem,
    incident_id="INC-7K3QF",
    opened_at=NOW,
    timeline=tuple(DraftEntry.of(entry, withheld=entry.quoted_elsewhere(OPS)) for entry in ENTRIES),
    started_at=NOW,
    resolved_at=NOW,
    time_to_repair=timedelta(minutes=5),
    time_to_resolve=timedelta(minutes=9),
    names={},
)
BOARD = Board(configured=True, tickets=(TICKET,), total=1)
BROKEN_BOARD = Board(configured=True, error=HOSTILE)
OVERNIGHT = Overnight(NOW, (INCIDENT,), OPS, 1, None, HOSTILE)
DIGEST = MorningDigest(NOW, (REQUEST,), 1, BOARD, OVERNIGHT)
HANDOVER = Handover((INCIDENT,), (REQUEST,))
FIGURES = Figures(
    IncidentFigures(
        NOW, NOW, 1, 1, {"high": 1}, Summary(1, 60.0, 60.0), {"declared to lead": Summary(1, 1.0, 1.0)}, {HOSTILE: 0.99}
    ),
    RequestFigures(1, {"todo": Summary(1, 1.0, 1.0)}, Summary(1, 4.0, 4.0)),
)
COVER = Cover("U0CAROL", NOW.date(), time(12), time(13))
PAIR = Pair(("U0ALICE", HOSTILE), NOW.date())
ROTA = RotaToday(NOW.date(), PAIR, (COVER,), HOSTILE)
ALERT_ALARM = hostile(
    AlertAlarm, changed_at=NOW, first_fired_at=NOW, runbook_url=f"https://runbooks.example/?{HOSTILE}"
)
ALERT_GROUP = hostile(
    AlertGroup,
    id="ALR-7K3QF",
    opened_at=NOW,
    last_alert_at=NOW,
    status=AlertStatus.DISMISSED,
    alarms=(ALERT_ALARM,),
    incident_id="INC-7K3QF",
    decided_at=NOW,
)
ALERT_NOTE = hostile(AlertNote, kind=NoteKind.JOINED, incident_id="INC-7K3QF")
AFTER_HOURS = AfterHours("Monday 30 November at 08:00 (UK time)", "08:00-18:00 UK time, Monday to Friday")
PROBLEM = ChannelProblem(OPS, "the ops channel", "OPS_CHANNEL_ID", "requests go unseen", visible=True)


class Arguments:
    """Hostile arguments by the annotation a view or notifier declares for them (as written in its source)."""

    BY_ANNOTATION: ClassVar[dict[str, Any]] = {
        "Incident": INCIDENT,
        "TimelineEntry": ENTRIES[0],
        "SupportRequest": REQUEST,
        "Ticket": TICKET,
        "ActionItem": ITEM,
        "Postmortem": POSTMORTEM,
        "MorningDigest": DIGEST,
        "Handover": HANDOVER,
        "RotaToday": ROTA,
        "Cover": COVER,
        "Pair": PAIR,
        "Figures": FIGURES,
        "Figures | None": FIGURES,
        "WeeklyReport": WeeklyReport(NOW, "the week of 30 November", FIGURES, FIGURES),  # the label is ours
        "ChannelProblem": PROBLEM,
        "Sequence[ChannelProblem]": (PROBLEM,),
        "Sequence[Incident]": (INCIDENT, RESOLVED),
        "list[Incident]": [INCIDENT],
        "Sequence[TimelineEntry]": tuple(ENTRIES),
        "Sequence[SupportRequest]": (REQUEST, DONE_REQUEST),
        "Sequence[ActionItem]": (ITEM, DONE_ITEM),
        "Sequence[str]": ("U0ALICE", HOSTILE),
        "Mapping[str, str] | None": {"ops_channel": f"{HOSTILE}@{NOW.isoformat()}"},
        "Posted": Posted(OPS, "9.0"),
        "AlarmInfo": ALARM,
        "AlertGroup": ALERT_GROUP,
        "AlertNote": ALERT_NOTE,
        # When support resumes and its hours: opsdesk's own words, from the settings.
        "AfterHours": AFTER_HOURS,
        "AfterHours | None": AFTER_HOURS,
        "OnDuty": OnDuty(("U0ALICE", HOSTILE), COVER),
        "OnDuty | None": OnDuty(("U0ALICE", HOSTILE), COVER),
        "Raise": Raise.ON_DUTY,
        "Checklist": Checklist("2026-11-30", ("U0ALICE",), ("section",), {"requests": f"{HOSTILE}@bad time"}),
        "datetime": NOW,
        "datetime | None": NOW,
        "timedelta": timedelta(hours=1),
        "bool": True,
        "int": 3,
        "dict[str, Any]": {"ts": "1.0", "user": "U0ALICE", "text": HOSTILE},
        "str": HOSTILE,
        "str | None": HOSTILE,
    }
    # Parameters that carry mrkdwn opsdesk itself rendered (made literal when it was first rendered) or ids
    # opsdesk made: the function is still driven, these are given opsdesk's own values.
    OURS: ClassVar[dict[str, str]] = {
        "incident_id": "INC-7K3QF",
        "request_id": "REQ-7K3QF",
        "day": "2026-11-30",
        "channel": OPS,
        "private_metadata": "{}",
        "status_url": "https://status.example/status",
        "label": "the week",
        "group_id": "ALR-7K3QF",
        "line": "This has taken over 15 minutes: raise a Jira ticket?",  # nudge_line rendered it
        "button_value": alerts.declare_value(ALERT_GROUP),  # opsdesk's own button, carrying hostile words
        "previous_label": "the week before",
        "text": "",  # ask_blocks: the text ask_text rendered; raised_text's is driven below
        "note": "I don't know `/incident x`.",
        "notice": "",
        "sections": "",
        "headline": "*already rendered*",
        "permalink": "https://slack.example/archives/G0PRIVATE/p1",
        "key": "k",
        "resumes": "Monday 08:00",
        "support_resumes": "Monday 08:00",
        "users": "",
    }
    # (function, parameter) pairs whose text is someone else's even though the parameter name is one of ours.
    THEIRS: ClassVar[set[tuple[str, str]]] = {
        ("note_text", "note"),
        ("raised_text", "text"),
        ("cover_text", "cover"),
        ("people", "users"),
    }

    @classmethod
    def for_callable(cls, function: Any) -> dict[str, Any]:
        given: dict[str, Any] = {}
        for name, parameter in inspect.signature(function).parameters.items():
            if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            annotation = str(parameter.annotation)
            theirs = (function.__name__, name) in cls.THEIRS
            if name in cls.OURS and not theirs:
                if parameter.default is not inspect.Parameter.empty and name in ("text", "notice", "sections"):
                    continue
                given[name] = cls.OURS[name] if annotation != "Sequence[str]" else ("section one",)
                continue
            if name == "users" or annotation == "Sequence[str]":
                given[name] = ("U0ALICE", HOSTILE)
                continue
            assert annotation in cls.BY_ANNOTATION, (
                f"{function.__qualname__}({name}: {annotation}): add hostile {annotation} to this test"
            )
            given[name] = cls.BY_ANNOTATION[annotation]
        return given


# ---------------------------------------------------------------- what Slack would obey in the output


def mrkdwn_texts(value: Any, *, top_level: bool = True) -> list[str]:
    """Every string Slack would read as mrkdwn in a rendering: message text, mrkdwn objects, fields."""
    if isinstance(value, str):
        return [value] if top_level else []
    if isinstance(value, (Block, View)):
        return mrkdwn_texts(value.to_dict(), top_level=False)
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            return []  # Slack shows plain_text as it is
        found = [value["text"]] if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str) else []
        for key, item in value.items():
            if key in ("text", "initial_comment") and isinstance(item, str) and value.get("type") != "mrkdwn":
                found.append(item)  # a chat method's text: mrkdwn unless told otherwise
            elif not isinstance(item, str):
                found += mrkdwn_texts(item, top_level=False)
        return found
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in mrkdwn_texts(item, top_level=top_level)]
    return []


def assert_nothing_obeyed(texts: list[str], where: str) -> None:
    for text in texts:
        obeyed = [sequence for sequence in OBEYED if sequence in text]
        assert not obeyed, f"{where}: Slack would obey {obeyed} in {text[:300]!r}"
        assert "&amp;lt;" not in text and "&amp;amp;" not in text, f"{where}: escaped twice in {text[:300]!r}"


# ---------------------------------------------------------------- every view function

# Every module of slack/views but the escaping itself: a new view module is driven without being listed.
VIEW_MODULES = tuple(
    importlib.import_module(f"{views.__name__}.{module.name}")
    for module in pkgutil.iter_modules(views.__path__)
    if module.name != "mrkdwn"
)
# Not renderings of anyone's words: pure formatting helpers, or bytes.
NOT_RENDERINGS = {
    "console_url",  # a URL, made safe where it is linked
    "declare_value",  # button values: Slack shows them to nobody
    "takeover_value",
    "read_takeover_value",
    "as_dicts",
    "age",
    "when",
    "read_edit_metadata",
    "edit_metadata",
    "report_chart",
    "weekly_chart",
}


def view_functions() -> list[Any]:
    found = []
    for module in VIEW_MODULES:
        for name, function in vars(module).items():
            ours = inspect.isfunction(function) and function.__module__ == module.__name__
            if ours and not name.startswith("_") and name not in NOT_RENDERINGS:
                found.append(function)
    return found


def test_every_view_module_is_driven() -> None:
    assert {"alerts", "incidents", "support", "public_status"} <= {
        module.__name__.rsplit(".", 1)[1] for module in VIEW_MODULES
    }


@pytest.mark.parametrize(
    "function", view_functions(), ids=lambda function: f"{function.__module__}.{function.__name__}"
)
def test_no_view_lets_a_control_sequence_through(function: Any) -> None:
    rendered = function(**Arguments.for_callable(function))
    assert_nothing_obeyed(mrkdwn_texts(rendered), function.__qualname__)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: f"{entry.kind.value}:{entry.source_key}")
def test_every_kind_of_entry_reads_literally_in_the_thread_and_the_timeline(entry: TimelineEntry) -> None:
    texts = [incident_thread.recorded_text(entry), incidents.entry_line(INCIDENT, entry)]
    assert_nothing_obeyed(texts, entry.kind.value)


# ---------------------------------------------------------------- every notifier method


class RecordingClient:
    """A WebClient that records each call's arguments and answers as Slack would, without a network."""

    ANSWERS: ClassVar[dict[str, dict[str, Any]]] = {
        "chat_postMessage": {"ok": True, "channel": OPS, "ts": "5.0"},
        "conversations_open": {"ok": True, "channel": {"id": "D0LEAD"}},
        "chat_getPermalink": {"ok": True, "permalink": "https://slack.example/archives/G0PRIVATE/p1"},
        "conversations_replies": {"ok": True, "messages": []},
        "conversations_history": {"ok": True, "messages": [{"user": "U1", "text": HOSTILE}]},
    }

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Any:
        def call(**arguments: Any) -> dict[str, Any]:
            self.calls.append((method, arguments))
            return self.ANSWERS.get(method, {"ok": True, "ts": "6.0", "channel": OPS})

        return call


class HostilePeople:
    def display_name(self, user: str) -> str:
        return HOSTILE


def notifiers(client: RecordingClient) -> list[Any]:
    return [
        SlackIncidentNotifier(client, OPS, ("U0LEAD",), "https://status.example/status"),  # type: ignore[arg-type]
        SlackSupportNotifier(client, HostilePeople(), ops_channel=OPS, team_channel="C0TEAM", product_manager="U0PM"),  # type: ignore[arg-type]
        SlackDayNotifier(client, "C0TEAM"),  # type: ignore[arg-type]
    ]


# Methods that read from Slack and post nothing, and the primitive that posts text the other methods rendered.
READERS = {"thread_of", "permalink", "messages_since", "thread_link", "post_in_thread"}


def notifier_methods() -> list[tuple[type, str]]:
    found = []
    for notifier in notifiers(RecordingClient()):
        for name, _method in inspect.getmembers(type(notifier), inspect.isfunction):
            if not name.startswith("_") and name not in READERS:
                found.append((type(notifier), name))
    return found


@pytest.mark.parametrize(
    ("kind", "name"), notifier_methods(), ids=lambda value: value if isinstance(value, str) else value.__name__
)
def test_no_notifier_lets_a_control_sequence_through(kind: type, name: str) -> None:
    client = RecordingClient()
    [notifier] = [each for each in notifiers(client) if type(each) is kind]
    method = getattr(notifier, name)
    arguments = Arguments.for_callable(method)
    if name == "recorded":
        for entry in ENTRIES:
            method(INCIDENT, entry)
    else:
        method(**arguments)
    for method_name, sent in client.calls:
        assert_nothing_obeyed(mrkdwn_texts(sent, top_level=False), f"{kind.__name__}.{name} -> {method_name}")


def test_a_message_quoted_from_a_private_channel_is_linked_in_the_thread_never_quoted() -> None:
    client = RecordingClient()
    notifier = SlackIncidentNotifier(client, OPS, ())  # type: ignore[arg-type]
    secret = "the payroll bucket's key is in #finance-private"
    entry = TimelineEntry(NOW, EntryKind.NOTE, secret, "U0BOB", "slack-message:G0PRIVATE:1.6", subject="U0CAROL")
    notifier.recorded(INCIDENT, entry)
    [(_, sent)] = [call for call in client.calls if call[0] == "chat_postMessage"]
    assert secret not in json.dumps(sent)
    assert "https://slack.example/archives/G0PRIVATE/p1" in sent["text"]
    # AND the ops channel's own messages are quoted as before
    client.calls.clear()
    here = dataclasses.replace(entry, source_key=f"slack-message:{OPS}:1.7", text="failover done")
    notifier.recorded(INCIDENT, here)
    assert "failover done" in client.calls[-1][1]["text"]


# ---------------------------------------------------------------- the escaping itself


def test_literal_neutralises_every_control_sequence_and_is_idempotent() -> None:
    once = mrkdwn.literal(HOSTILE)
    assert_nothing_obeyed([once], "literal")
    assert mrkdwn.literal(once) == once
    # Slack's own message text arrives escaped: an entity there is kept, not doubled.
    assert mrkdwn.literal("a &lt; b &amp; c") == "a &lt; b &amp; c"
    assert mrkdwn.literal("R&D <3") == "R&amp;D &lt;3"


def test_a_refusal_mentions_the_people_it_names_and_shows_every_other_word_literally() -> None:
    # A refusal can carry what someone typed or another system answered, around the people it names
    error = Conflict(
        f"{{lead}} is already leading {HOSTILE} (asked by {{asker}}); {{unnamed}}",
        people={
            "lead": "U0ALICE",
            "asker": "U0BOB",
        },
    )
    said = mrkdwn.worded(error)
    assert said.startswith("<@U0ALICE> is already leading &lt;!channel&gt;") and "(asked by <@U0BOB>)" in said
    assert said.endswith("; {unnamed}") and not [sequence for sequence in OBEYED if sequence in said]
    assert str(error).startswith("U0ALICE is already leading <!channel>"), "a log keeps the words as they were"


def test_a_link_from_elsewhere_cannot_break_out_or_run_a_script() -> None:
    assert mrkdwn.link("https://jira.example/browse/OPS-1", "OPS-1") == "<https://jira.example/browse/OPS-1|OPS-1>"
    broken = mrkdwn.link("https://x.example/a|<!channel>>b", "<!here>")
    assert broken.count("<") == 1 and broken.count(">") == 1 and broken.count("|") == 1, broken
    assert mrkdwn.link("javascript:alert(1)", "click") == "click"
    assert mrkdwn.mention("U0ALICE") == "<@U0ALICE>" and mrkdwn.mention("<!channel>") == "&lt;!channel&gt;"


@pytest.mark.parametrize("limit", range(2, 40))
def test_fitting_escaped_text_never_cuts_inside_an_entity(limit: int) -> None:
    fitted = fit(mrkdwn.literal("<<<&&& >>> <!channel> a&b <x>" * 3), limit)
    assert len(fitted) <= limit
    assert not re.search(r"&(?:a|am|amp|l|lt|g|gt)?…", fitted), fitted
    assert not re.search(r"&(?!(?:amp|lt|gt);)", fitted), fitted


@pytest.mark.parametrize("kind", list(NoteKind))
def test_every_kind_of_alert_note_reads_literally(kind: NoteKind) -> None:
    note = dataclasses.replace(ALERT_NOTE, kind=kind, actor=HOSTILE)
    assert_nothing_obeyed([alerts.note_text(note)], kind.value)


def test_help_texts_send_their_placeholders_as_entities_not_markup() -> None:
    """`<title>` in a help line would reach Slack as a control sequence; only entities show it as typed."""
    for help_text in (incidents.HELP, support.HELP, rota.HELP, postmortems.HELP):
        assert "<" not in help_text and ">" not in help_text, help_text
    assert "`/incident declare &lt;title&gt;`" in incidents.HELP
    assert "`/support &lt;what you need&gt;`" in support.HELP
