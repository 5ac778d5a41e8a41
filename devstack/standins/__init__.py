"""Local stand-ins for Slack, Jira and PagerDuty: record every call, answer like the real APIs, fail on request."""

from devstack.standins.base import StandIn
from devstack.standins.jira import JiraStandIn
from devstack.standins.pagerduty import PagerDutyStandIn
from devstack.standins.slack import SlackStandIn

__all__ = ["JiraStandIn", "PagerDutyStandIn", "SlackStandIn", "StandIn"]
