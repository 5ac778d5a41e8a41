"""Slack's external file upload, as `WebClient.files_upload_v2` drives it: three steps, the bytes kept.

https://docs.slack.dev/reference/methods/files.getUploadURLExternal: (1) `files.getUploadURLExternal`
with `filename` and `length` (bytes) answers an `upload_url` and a `file_id`; (2) the file is POSTed to
that URL, "as raw bytes or multipart form encoded", and HTTP 200 means it arrived ("a non-200 response
indicates a failure"); (3) `files.completeUploadExternal` with `files: [{"id", "title"}]` shares it
(with `channel_id`, `initial_comment`, `thread_ts`); without a channel the file stays private; "this
method can only be called once" (https://docs.slack.dev/reference/methods/files.completeUploadExternal).
The stored bytes are what the sandbox shows (`file_content`).
"""

from __future__ import annotations

import mimetypes
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any

from devstack.httpserver import Reply
from devstack.standins.slack_events import file_object
from devstack.standins.slack_methods import SlackApi, SlackError, require
from devstack.standins.slack_workspace import BOT_USER_ID, public

if TYPE_CHECKING:
    import threading

    from devstack.httpserver import Request

UPLOAD_PATH = "/upload/v1/"


class SlackFiles(SlackApi):
    """`files.getUploadURLExternal`, the upload URL, `files.completeUploadExternal`; `file_content` for readers."""

    lock: threading.RLock

    def api_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        require(params, "filename", "length")
        try:
            length = int(params["length"])
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments") from None
        file_id = self.workspace.next_id("F")
        self.workspace.files[file_id] = {"filename": str(params["filename"]), "length": length, "data": None}
        return {"upload_url": f"{self.base_url()}{UPLOAD_PATH}{file_id}", "file_id": file_id}

    def upload(self, request: Request) -> Reply:
        """The upload URL: keep the POSTed bytes of a file id this stand-in issued and has not shared yet."""
        upload = self.workspace.files.get(request.path.removeprefix(UPLOAD_PATH))
        if request.method != "POST" or upload is None or upload.get("file") is not None:
            return Reply(404, "Not found", content_type="text/plain")
        upload["data"] = _file_bytes(request)
        return Reply(200, f"OK - {len(upload['data'])}", content_type="text/plain")

    def api_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        require(params, "files")
        items = params["files"] if isinstance(params["files"], list) else []
        uploads = [self.workspace.files.get(str(item.get("id"))) if isinstance(item, dict) else None for item in items]
        # Slack documents no error for an id it never issued, one never uploaded, or a second completion; the
        # stand-in refuses all three rather than share a file that has no bytes.
        if not items or any(upload is None or upload["data"] is None or "file" in upload for upload in uploads):
            raise SlackError("invalid_arguments")
        channel = self._channel(params, key="channel_id") if params.get("channel_id") else None
        files = []
        for item, upload in zip(items, uploads, strict=True):
            assert upload is not None  # checked above
            name = upload["filename"]
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            shared = file_object(str(item["id"]), name, BOT_USER_ID, base_url=self.base_url(), mimetype=kind)
            shared.update(title=str(item.get("title") or name), size=len(upload["data"]))
            upload["file"] = shared
            files.append(shared)
        if channel:
            text = params.get("initial_comment") or ""
            message = self.workspace.post(channel, {"text": text, "files": files}, thread_ts=params.get("thread_ts"))
            self._notify("message_posted", channel, message=public(message))
        return {"files": [{"id": shared["id"], "title": shared["title"]} for shared in files]}

    def file_content(self, file_id: str) -> tuple[str, bytes] | None:
        """The mimetype and bytes of a shared file, or None (never uploaded, or not shared yet)."""
        with self.lock:
            upload = self.workspace.files.get(file_id)
            if upload is None or upload.get("file") is None:
                return None
            return str(upload["file"]["mimetype"]), bytes(upload["data"])


def _file_bytes(request: Request) -> bytes:
    """The file from a raw-bytes body, or from a multipart form's file part (`-F filename=@chart.png`)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return request.body
    form = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + request.body)
    for part in form.iter_parts():
        if part.get_filename() is not None or part.get_param("name", header="content-disposition") == "filename":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    return b""
