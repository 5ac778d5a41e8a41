"""The status page form behind the announcement's "Status page" button."""

from __future__ import annotations

from slack_sdk.models.blocks import InputBlock, MarkdownTextObject, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from opsdesk.domain.public_status import MAX_TITLE, MAX_UPDATE
from opsdesk.slack.ids import Callback, Field


def public_modal(incident_id: str) -> View:
    """A public title and an update for the public, written apart from the internal ones (no read to open it)."""
    intro = (
        f"*{incident_id}* on the public status page. The public sees only what you write here: "
        "no internal title, alarm, name or update."
    )
    return View(
        type="modal",
        callback_id=Callback.PUBLIC,
        private_metadata=incident_id,
        title="Status page",
        submit="Publish",
        close="Cancel",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=intro)),
            InputBlock(
                block_id=Field.PUBLIC_TITLE,
                label="Title the public sees",
                optional=True,
                hint="Needed the first time; leave it empty to keep the title already shown.",
                element=PlainTextInputElement(action_id=Field.PUBLIC_TITLE, max_length=MAX_TITLE),
            ),
            InputBlock(
                block_id=Field.PUBLIC_UPDATE,
                label="Update for the public",
                optional=True,
                element=PlainTextInputElement(action_id=Field.PUBLIC_UPDATE, multiline=True, max_length=MAX_UPDATE),
            ),
        ],
    )
