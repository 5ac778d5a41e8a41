"""Adapters for the systems opsdesk keeps in step with (Jira, PagerDuty), no-ops when disabled."""
