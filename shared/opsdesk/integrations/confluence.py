"""Confluence REST: create or update the postmortem page where the team publishes them today."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opsdesk.domain.publishing import Pages, PublishingFailed

if TYPE_CHECKING:
    import requests


@dataclass
class ConfluencePages(Pages):
    """Confluence Cloud's content API, with basic auth (the Atlassian account email and API token)."""

    base_url: str
    space: str
    email: str
    token: str = field(repr=False)
    timeout: float = 10.0
    # Made on the first publish: `requests` costs tens of milliseconds to import, which a cold start should not pay.
    session: requests.Session | None = None

    def _url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/wiki/rest/api/content{path}"

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        import requests  # noqa: PLC0415  # only when publishing, never at import

        if self.session is None:
            self.session = requests.Session()
        try:
            response = self.session.request(
                method, self._url(path), auth=(self.email, self.token), timeout=self.timeout, **kwargs
            )
        except requests.RequestException as error:
            raise PublishingFailed(f"Confluence did not answer ({type(error).__name__}).") from error
        if response.status_code >= 300:
            raise PublishingFailed(f"Confluence answered HTTP {response.status_code} to {method} {path or '/'}.")
        try:
            body: dict[str, Any] = response.json()
        except ValueError as error:
            raise PublishingFailed(
                f"Confluence answered {method} {path or '/'} with something other than JSON."
            ) from error
        return body

    def publish(self, title: str, storage_html: str) -> str:
        found = self._call("GET", "", params={"title": title, "spaceKey": self.space, "expand": "version"})
        body: dict[str, Any] = {
            "type": "page",
            "title": title,
            "space": {"key": self.space},
            "body": {"storage": {"value": storage_html, "representation": "storage"}},
        }
        existing = found.get("results") or []
        if existing:
            page = existing[0]
            body["version"] = {"number": int(page.get("version", {}).get("number", 1)) + 1}
            saved = self._call("PUT", f"/{page['id']}", json=body)
        else:
            saved = self._call("POST", "", json=body)
        links = saved.get("_links") or {}
        return f"{links.get('base', self.base_url.rstrip('/') + '/wiki')}{links.get('webui', '')}"
