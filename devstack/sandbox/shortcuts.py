"""The message shortcuts slack-app-manifest.yaml declares: the sandbox offers each on every message, as Slack's
"More actions" menu does."""

from __future__ import annotations

import yaml

from devstack.settings import PROJECT_ROOT

MANIFEST_PATH = PROJECT_ROOT / "slack-app-manifest.yaml"
# How each reads in the hover bar (its name is the button's label for screen readers and tests).
ICONS = {
    "add_to_incident_timeline": "🕒",
    "declare_incident_from_message": "🚨",
    "add_to_ticket": "🎫",
    "track_as_request": "📥",
}


def message_shortcuts() -> dict[str, str]:
    """Callback id to name, for each message shortcut in the manifest, in its order."""
    manifest = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    shortcuts = manifest.get("features", {}).get("shortcuts") or []
    return {str(item["callback_id"]): str(item["name"]) for item in shortcuts if item.get("type") == "message"}


MESSAGE_SHORTCUTS = message_shortcuts()
