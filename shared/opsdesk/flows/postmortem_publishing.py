"""Publishing a postmortem: the public page first, then Confluence when it is configured."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from opsdesk.domain.postmortems import people_in
from opsdesk.domain.publishing import PublishingFailed
from opsdesk.flows.postmortems import names_of, require_team
from opsdesk.observability import logger, record
from opsdesk.pages.postmortems import body_html, title_of

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.domain.ports import People, Team
    from opsdesk.domain.postmortems import Postmortem
    from opsdesk.domain.publishing import Pages
    from opsdesk.store.postmortems import PostmortemRepository


@dataclass(frozen=True)
class Published:
    """What publishing did: the stored postmortem, and how Confluence went."""

    postmortem: Postmortem
    confluence_url: str = ""
    confluence_error: str = ""  # empty when it worked or is not configured


class PostmortemPublishing:
    """Readable outside Slack: GET /postmortems/<id> (and .md), and the Confluence page."""

    def __init__(self, repository: PostmortemRepository, team: Team, people: People, pages: Pages) -> None:
        self.repository = repository
        self.team = team
        self.people = people
        self.pages = pages

    def publish(self, incident_id: str, by: str, at: datetime) -> Published:
        """Publish with display names captured now, then create or update the Confluence page.

        The public page is published even when Confluence fails; publishing again retries it.
        """
        require_team(self.team, by)
        postmortem = self.repository.get(incident_id)
        actions = self.repository.actions(incident_id)
        texts = [part or "" for line in postmortem.timeline for part in (line.text, line.actor, line.subject)]
        texts += [*postmortem.sections().values(), postmortem.title, postmortem.lead or ""]
        texts += [item.owner for item in actions] + [item.description for item in actions]
        names = names_of(self.people, people_in(texts))
        published = self.repository.save(postmortem.publish(at, names))
        record("PostmortemsPublished", 1)
        try:
            url = self.pages.publish(title_of(published), body_html(published, actions))
        except PublishingFailed as failed:
            logger.warning("confluence publish failed", extra={"incident_id": incident_id, "reason": str(failed)})
            return Published(published, confluence_error=str(failed))
        return Published(published, confluence_url=url)
