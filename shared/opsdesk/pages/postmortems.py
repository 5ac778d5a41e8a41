"""Published postmortems as HTML and Markdown: display names only, never Slack ids."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.postmortems import WITHHELD, Section, in_priority_order, person, scrub
from opsdesk.domain.stats import human_duration
from opsdesk.pages.layout import document
from opsdesk.pages.text import clean, escape

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta

    from opsdesk.domain.postmortems import ActionItem, DraftEntry, Postmortem


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "-"


def _took(elapsed: timedelta | None) -> str:
    return human_duration(elapsed.total_seconds() if elapsed else None)


def _sections(postmortem: Postmortem) -> list[tuple[str, str]]:
    """Every section, scrubbed, in the write-up's order (summary and impact come before the timeline)."""
    return [(which.heading, scrub(postmortem.section(which), postmortem.names) or "-") for which in Section]


def _line(line: DraftEntry, names: dict[str, str]) -> str:
    """A timeline line with each person named, and Slack's markup in what people wrote scrubbed."""
    return WITHHELD if line.withheld else scrub(line.describe(lambda user: person(user, names)), names)


def _status(item: ActionItem) -> str:
    if item.done:
        return f"Done {item.done_at:%Y-%m-%d}" if item.done_at else "Done"
    return f"Open, due {item.due.isoformat()}" if item.due else "Open"


def _paragraphs(text: str) -> str:
    """Blank lines separate paragraphs; single line breaks are kept (valid HTML and Confluence XHTML)."""
    parts = [part for part in text.split("\n\n") if part.strip()]
    return "".join("<p>" + "<br/>".join(escape(line) for line in part.strip().split("\n")) + "</p>" for part in parts)


def _facts(postmortem: Postmortem) -> list[tuple[str, str]]:
    return [
        ("Incident", postmortem.incident_id),
        ("Service", postmortem.service or "-"),
        ("Incident lead", person(postmortem.lead, postmortem.names)),
        ("Impact began", _when(postmortem.started_at)),
        ("Resolved", _when(postmortem.resolved_at)),
        ("Time to repair", _took(postmortem.time_to_repair)),
        ("Time to resolve", _took(postmortem.time_to_resolve)),
        ("Session held", _when(postmortem.held_at)),
    ]


def title_of(postmortem: Postmortem) -> str:
    return clean(f"Postmortem {postmortem.incident_id}: {scrub(postmortem.title, postmortem.names)}")


def body_html(postmortem: Postmortem, actions: Sequence[ActionItem]) -> str:
    """The article alone (also what Confluence stores)."""
    names = dict(postmortem.names)
    facts = "".join(f'<tr><th scope="row">{escape(k)}</th><td>{escape(v)}</td></tr>' for k, v in _facts(postmortem))
    parts = [f"<h1>{escape(title_of(postmortem))}</h1><table>{facts}</table>"]
    sections = _sections(postmortem)
    parts += [f"<h2>{escape(name)}</h2>{_paragraphs(text)}" for name, text in sections[:2]]
    lines = "".join(
        f"<li><time>{escape(_when(line.at))}</time> {escape(_line(line, names))}</li>" for line in postmortem.timeline
    )
    parts.append(f'<h2>Timeline</h2><ol class="timeline">{lines}</ol>')
    parts += [f"<h2>{escape(name)}</h2>{_paragraphs(text)}" for name, text in sections[2:]]
    rows = "".join(
        f"<tr><td>{escape(item.priority.value)}</td><td>{escape(scrub(item.description, names))}</td>"
        f"<td>{escape(person(item.owner, names))}</td><td>{escape(item.ticket_key or '-')}</td>"
        f"<td>{escape(_status(item))}</td></tr>"
        for item in in_priority_order(actions)
    )
    header = "<tr><th>Priority</th><th>Action</th><th>Owner</th><th>Ticket</th><th>Status</th></tr>"
    parts.append(f"<h2>Actions</h2><table>{header}{rows}</table>" if rows else "<h2>Actions</h2><p>None agreed.</p>")
    return "".join(parts)


def postmortem_page(postmortem: Postmortem, actions: Sequence[ActionItem]) -> str:
    nav = '<p><a href="../postmortems">All postmortems</a> · <a href="../status">Service status</a></p>'
    return document(title_of(postmortem), f"<article>{body_html(postmortem, actions)}</article>{nav}")


def index_page(postmortems: Sequence[Postmortem]) -> str:
    ordered = sorted(postmortems, key=lambda item: item.started_at, reverse=True)
    rows = "".join(
        f"<tr><td><time>{escape(f'{item.started_at:%Y-%m-%d}')}</time></td>"
        f'<td><a href="postmortems/{escape(item.incident_id)}">{escape(scrub(item.title, item.names))}</a></td>'
        f"<td>{escape(item.service or '-')}</td></tr>"
        for item in ordered
    )
    table = (
        f"<table><tr><th>Date</th><th>Incident</th><th>Service</th></tr>{rows}</table>" if rows else "<p>None yet.</p>"
    )
    return document("Postmortems", f'<h1>Postmortems</h1>{table}<p><a href="status">Service status</a></p>')


def markdown(postmortem: Postmortem, actions: Sequence[ActionItem]) -> str:
    """The same write-up as Markdown, for pasting anywhere."""
    names = dict(postmortem.names)
    out = [f"# {title_of(postmortem)}", ""]
    out += [f"- **{key}:** {value}" for key, value in _facts(postmortem)]
    sections = _sections(postmortem)
    for name, text in sections[:2]:
        out += ["", f"## {name}", "", text]
    out += ["", "## Timeline", ""]
    out += [f"- {_when(line.at)}: {_line(line, names)}" for line in postmortem.timeline]
    for name, text in sections[2:]:
        out += ["", f"## {name}", "", text]
    out += ["", "## Actions", ""]
    ordered = in_priority_order(actions)
    out += [
        f"{index}. [{item.priority.value}] {scrub(item.description, names)} (owner: {person(item.owner, names)}"
        + (f", ticket {item.ticket_key}" if item.ticket_key else "")
        + f"; {_status(item).lower()})"
        for index, item in enumerate(ordered, 1)
    ] or ["None agreed."]
    return "\n".join(out) + "\n"
