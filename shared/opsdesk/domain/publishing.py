"""The publishing port: where published postmortems also go, and the no-op used when Confluence is off.

In the domain so the publishing flow can name it without loading the Confluence adapter (or `requests`).
"""

from __future__ import annotations


class PublishingFailed(Exception):
    """Confluence refused the page or did not answer; the message is safe to show to the person."""


class Pages:
    """Where published postmortems also go; the no-op when Confluence is not configured."""

    def publish(self, title: str, storage_html: str) -> str:
        """Create or update the page titled `title`; return its URL ("" when skipped)."""
        return ""
