"""Adapters for the systems opsdesk keeps in step with (Jira, PagerDuty, Confluence).

Their ports and the no-ops used when one is off live in `opsdesk.domain`; the wiring builds an adapter
only when it is configured and first used (`deferred.py`), so answering Slack never loads one.
"""
