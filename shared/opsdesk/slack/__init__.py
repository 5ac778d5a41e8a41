"""Slack adapter: the signed front door, the Bolt app, listeners and Block Kit views."""
