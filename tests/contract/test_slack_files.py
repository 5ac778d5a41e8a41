"""Slack's external upload in three steps, as the files.getUploadURLExternal and files.completeUploadExternal pages
document it, driven by the real `WebClient.files_upload_v2` and by `requests` for the upload URL itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import requests
from slack_sdk.errors import SlackApiError

from tests.contract.slack_standin import ELSEWHERE, OPS, slack_fixture, stand_in_fixture, web_fixture

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from devstack.standins.slack import SlackStandIn

__all__ = ["slack_fixture", "stand_in_fixture", "web_fixture"]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def test_files_upload_v2_keeps_the_bytes_and_shares_the_file_in_the_channel(
    web: WebClient, slack: SlackStandIn
) -> None:
    """getUploadURLExternal answers `upload_url` and `file_id`; the POSTed bytes are the file; completeUploadExternal
    with `channel_id` and `initial_comment` shares it (https://docs.slack.dev/reference/methods/files.getUploadURLExternal,
    https://docs.slack.dev/reference/methods/files.completeUploadExternal)."""
    done = web.files_upload_v2(
        channel=OPS, content=PNG, filename="week.png", title="The week", initial_comment="Numbers for the week"
    )
    file_id = done["file"]["id"]
    assert done["files"] == [{"id": file_id, "title": "The week"}]
    assert slack.file_content(file_id) == ("image/png", PNG)
    [message] = slack.messages(OPS)
    assert message["text"] == "Numbers for the week"
    [shared] = message["files"]
    assert (shared["id"], shared["title"], shared["name"]) == (file_id, "The week", "week.png")
    assert (shared["mimetype"], shared["size"]) == ("image/png", len(PNG))


def test_the_upload_url_takes_raw_bytes_or_a_multipart_form_and_answers_200(
    web: WebClient, slack: SlackStandIn
) -> None:
    """ "Files can be sent as raw bytes or can be multipart form encoded. Slack will return HTTP 200 if the upload is
    successful; a non-200 response indicates a failure" (files.getUploadURLExternal, usage info)."""
    for send in ("raw", "multipart"):
        issued = web.files_getUploadURLExternal(filename="week.png", length=len(PNG))
        if send == "raw":
            answer = requests.post(issued["upload_url"], data=PNG, timeout=5)
        else:
            answer = requests.post(issued["upload_url"], files={"filename": ("week.png", PNG)}, timeout=5)
        assert answer.status_code == 200, send
        web.files_completeUploadExternal(files=[{"id": issued["file_id"], "title": send}], channel_id=OPS)
        assert slack.file_content(issued["file_id"]) == ("image/png", PNG), send
    assert requests.post(f"{slack.url}/upload/v1/F9999999999", data=PNG, timeout=5).status_code != 200


def test_a_file_is_shared_once_and_only_once_its_bytes_arrived(web: WebClient, slack: SlackStandIn) -> None:
    """completeUploadExternal "can only be called once"; a file never uploaded is not shared (the stand-in refuses
    both with invalid_arguments: Slack documents no error code for them)."""
    issued = web.files_getUploadURLExternal(filename="week.png", length=len(PNG))
    with pytest.raises(SlackApiError) as never_uploaded:
        web.files_completeUploadExternal(files=[{"id": issued["file_id"]}], channel_id=OPS)
    assert never_uploaded.value.response["error"] == "invalid_arguments"
    requests.post(issued["upload_url"], data=PNG, timeout=5)
    web.files_completeUploadExternal(files=[{"id": issued["file_id"]}], channel_id=OPS)
    with pytest.raises(SlackApiError):
        web.files_completeUploadExternal(files=[{"id": issued["file_id"]}], channel_id=OPS)
    assert len(slack.messages(OPS)) == 1


def test_without_a_channel_the_file_stays_private_and_a_channel_needs_membership(
    web: WebClient, slack: SlackStandIn
) -> None:
    """ "If the channel_id is not specified, the file will remain private" (files.completeUploadExternal); a file
    shared into a channel the app is not in answers not_in_channel (HubSpot/slack-client pull request 356)."""
    web.files_upload_v2(content=PNG, filename="private.png")
    assert slack.messages(OPS) == []
    with pytest.raises(SlackApiError) as refused:
        web.files_upload_v2(channel=ELSEWHERE, content=PNG, filename="elsewhere.png")
    assert refused.value.response["error"] == "not_in_channel"
