"""Inbound webhooks from Jira and PagerDuty, each authenticated before it is read."""
