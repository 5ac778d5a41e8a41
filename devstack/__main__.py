"""`python -m devstack` (`make run`): the whole system locally, until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devstack.api import LocalApi
from devstack.aws import LocalAws, create_resources, start_moto
from devstack.runtime import Runtime
from devstack.sandbox import mount as mount_sandbox
from devstack.scheduler import Scheduler
from devstack.settings import (
    API_PORT,
    CONFLUENCE_PORT,
    HOST,
    JIRA_PORT,
    PAGERDUTY_PORT,
    SLACK_PORT,
    STACK_NAME,
    TEMPLATE_PATH,
    local_environment,
)
from devstack.standins.confluence import ConfluenceStandIn
from devstack.standins.jira import JiraStandIn
from devstack.standins.jira_webhooks import http_delivery
from devstack.standins.pagerduty import PagerDutyStandIn
from devstack.standins.slack import SlackStandIn
from devstack.template import load_template

if TYPE_CHECKING:
    from devstack.standins.base import StandIn

# name -> (environment variable that points elsewhere, stand-in class, fixed port)
STAND_INS: dict[str, tuple[str, type[StandIn], int]] = {
    "slack": ("SLACK_API_URL", SlackStandIn, SLACK_PORT),
    "jira": ("JIRA_URL", JiraStandIn, JIRA_PORT),
    "pagerduty": ("PAGERDUTY_EVENTS_URL", PagerDutyStandIn, PAGERDUTY_PORT),
    "confluence": ("CONFLUENCE_URL", ConfluenceStandIn, CONFLUENCE_PORT),
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack", description="Run opsdesk locally.")
    parser.add_argument("--port", type=int, default=API_PORT, help="the API's port (default 3000)")
    parser.add_argument("--no-scheduler", action="store_true", help="do not run the schedules")
    parser.add_argument("--template", type=Path, default=TEMPLATE_PATH)
    parser.add_argument("--parameter-overrides", nargs="*", default=[], metavar="Name=Value")
    return parser.parse_args(argv)


def start_stand_ins() -> dict[str, StandIn]:
    """Start a verbose stand-in for each external API whose URL the environment does not set."""
    started: dict[str, StandIn] = {}
    for name, (variable, stand_in_class, port) in STAND_INS.items():
        if not os.environ.get(variable):
            started[name] = stand_in_class(port=port, verbose=True).start()
    return started


def _banner(
    aws: LocalAws, created: dict[str, str], env: dict[str, str], api: LocalApi, scheduler: Scheduler | None
) -> str:
    own = "moto, started here" if aws.server else "AWS_ENDPOINT_URL"
    lines = ["", "opsdesk local stack", f"  Sandbox     {api.url}/   (a Slack-like workspace in your browser)"]
    lines.append(f"  API         {api.url}")
    lines += [f"                {route.method:6} {route.path:28} -> {route.function}" for route in api.routes.routes]
    lines.append(f"  AWS         {aws.endpoint_url}   ({own})")
    lines += [f"                {logical_id:28} {name}" for logical_id, name in created.items()]
    lines += [
        f"  Slack       {env.get('SLACK_API_URL')}",
        f"  Jira        {env.get('JIRA_URL')}",
        f"  PagerDuty   {env.get('PAGERDUTY_EVENTS_URL')}",
        f"  Confluence  {env.get('CONFLUENCE_URL') or '(off)'}",
    ]
    if scheduler is None:
        lines.append("  Schedules   off (--no-scheduler)")
    for fire, schedule in scheduler.upcoming() if scheduler else []:
        lines.append(f"  Schedule    {schedule.event_name:22} {schedule.expression:32} next {fire:%Y-%m-%d %H:%M}Z")
    lines += [
        "",
        "Send a command:   make slack CMD='/incident declare Database down'",
        f"Invoke directly:  curl -X POST {api.url}/_local/invoke/<LogicalId> -d @events/<event>.json",
        f"Recorded calls:   curl {api.url}/_local/calls",
        "Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Start moto, the stand-ins, the API and the scheduler; stop them all on SIGINT or SIGTERM."""
    args = _arguments(argv)
    if not args.template.exists():
        print(f"{args.template} does not exist yet: nothing to serve.", file=sys.stderr)
        return 2
    overrides = dict(item.split("=", 1) for item in args.parameter_overrides)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    running: list[Any] = []
    try:
        aws = start_moto()
        running.append(aws)
        template = load_template(args.template, overrides, endpoint_url=aws.endpoint_url)
        created = create_resources(template, aws.endpoint_url)
        stand_ins = start_stand_ins()
        running.extend(stand_ins.values())
        env = local_environment(
            {name: stand_in.url for name, stand_in in stand_ins.items()},
            table_name=template.table_name() if template.tables() else STACK_NAME,
            aws_endpoint_url=aws.endpoint_url,
            public_base_url=f"http://{HOST}:{args.port}",
        )
        runtime = Runtime(template, env, verbose=True)
        # A cold start on the first slash command would miss Slack's 3-second ack.
        runtime.prewarm()
        api = LocalApi(runtime, stand_ins=stand_ins, port=args.port, verbose=True).start()
        running.append(api)
        mount_sandbox(api, stand_ins.get("slack"))
        if isinstance(jira := stand_ins.get("jira"), JiraStandIn):
            # Jira's admin webhook, signed with the webhook secret, as a Jira admin would set it up.
            jira.webhooks.register(
                http_delivery(f"{api.url}/jira/webhook"), env["JIRA_WEBHOOK_SECRET"], background=True
            )
        scheduler = None if args.no_scheduler else Scheduler(template.schedules(), runtime.invoke)
        if scheduler is not None:
            scheduler.start()
            running.append(scheduler)
        print(_banner(aws, created, env, api, scheduler), flush=True)
        stopping.wait()
    except (OSError, RuntimeError, ValueError) as error:  # a busy port, a template the stack cannot run
        print(f"cannot start the local stack: {error}", file=sys.stderr)
        return 1
    finally:
        print("stopping...", flush=True)
        for component in reversed(running):
            component.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
