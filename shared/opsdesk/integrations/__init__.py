"""Adapters for the systems opsdesk keeps in step with (Jira, PagerDuty, Confluence).

Their ports and the no-ops used when one is off live in `opsdesk.domain`; `Services` imports an
adapter only when it is configured and first needed, so answering Slack never loads one.
"""
