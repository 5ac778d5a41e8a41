"""Read template.yaml (CloudFormation short tags included) and list what the local stack serves."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

from devstack.cron import check_expression
from devstack.intrinsics import Resolver
from devstack.settings import PROJECT_ROOT, STACK_NAME, TEMPLATE_PATH

_FUNCTION_TYPES = ("AWS::Serverless::Function",)
_TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")


def parse_document(text: str) -> dict[str, Any]:
    """Parse template YAML or JSON with cfn-lint's loader: `!Ref x` is {"Ref": x}, `!Sub x` is {"Fn::Sub": x}, ..."""
    document, problems = decode_str(text)
    if problems or not isinstance(document, dict):
        reasons = "; ".join(f"line {problem.linenumber}: {problem.message}" for problem in problems)
        raise ValueError(f"the template does not parse: {reasons or 'not a mapping'}")
    return document


@dataclass(frozen=True)
class Function:
    """A function as the local runtime needs it; unresolvable environment values are None."""

    logical_id: str
    code_uri: Path
    handler: str
    function_name: str
    environment: dict[str, str | None] = field(default_factory=dict)
    timeout: int = 3
    memory_size: int = 128
    layer_dirs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class ApiRoute:
    """One `Type: Api` event: method (upper case, or ANY) and path as API Gateway declares them."""

    method: str
    path: str
    function: str
    event_name: str
    stage: str = "Prod"


@dataclass(frozen=True)
class Schedule:
    """One `Type: ScheduleV2` event; `input` is the JSON string with its scheduler placeholders."""

    event_name: str
    function: str
    expression: str
    timezone: str
    input: str | None
    name: str
    enabled: bool = True


@dataclass(frozen=True)
class EventSource:
    """One SNS or EventBridgeRule event, its properties resolved."""

    event_name: str
    function: str
    type: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class Resource:
    """A table, topic, queue or secret: local physical name and resolved Properties."""

    logical_id: str
    type: str
    name: str
    properties: dict[str, Any]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


class Template:
    """A parsed SAM template with local values for its intrinsics."""

    def __init__(
        self,
        document: dict[str, Any],
        *,
        root: Path = PROJECT_ROOT,
        parameter_overrides: dict[str, str] | None = None,
        stack_name: str = STACK_NAME,
        endpoint_url: str | None = None,
    ) -> None:
        self.document = document
        self.root = root
        self.resolver = Resolver(document, parameter_overrides, stack_name=stack_name, endpoint_url=endpoint_url)

    @classmethod
    def from_text(cls, text: str, **options: Any) -> Template:
        """Parse a template from YAML (or JSON) text."""
        return cls(parse_document(text), **options)

    def resolve(self, value: Any) -> Any:
        """Return value with its intrinsics resolved locally (None when unresolvable)."""
        return self.resolver.resolve(value)

    def resources(self, *types: str) -> dict[str, dict[str, Any]]:
        """Return the resources of the given types whose Condition (if any) holds locally."""
        found = {}
        for logical_id, resource in (self.document.get("Resources") or {}).items():
            if resource.get("Type") not in types:
                continue
            if "Condition" in resource and not self.resolver.condition(resource["Condition"]):
                continue
            found[logical_id] = resource
        return found

    def functions(self) -> list[Function]:
        """List the functions with Globals merged in."""
        defaults = (self.document.get("Globals") or {}).get("Function") or {}
        functions = []
        for logical_id, resource in self.resources(*_FUNCTION_TYPES).items():
            properties = {**defaults, **(resource.get("Properties") or {})}
            variables = {
                **((defaults.get("Environment") or {}).get("Variables") or {}),
                **(((resource.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}),
            }
            functions.append(
                Function(
                    logical_id=logical_id,
                    code_uri=self.root / str(self.resolve(properties.get("CodeUri")) or "."),
                    handler=str(self.resolve(properties.get("Handler")) or "app.lambda_handler"),
                    function_name=self.resolver.physical_name(logical_id),
                    environment={name: _text(self.resolve(value)) for name, value in variables.items()},
                    timeout=int(self.resolve(properties.get("Timeout")) or 3),
                    memory_size=int(self.resolve(properties.get("MemorySize")) or 128),
                    # SAM appends a function's own Layers to the global ones (Globals' lists are additive).
                    layer_dirs=self._layer_dirs(
                        [*(defaults.get("Layers") or []), *((resource.get("Properties") or {}).get("Layers") or [])]
                    ),
                )
            )
        return functions

    def function(self, logical_id: str) -> Function:
        """Return one function by logical id (KeyError if absent)."""
        for function in self.functions():
            if function.logical_id == logical_id:
                return function
        raise KeyError(logical_id)

    def _layer_dirs(self, layers: list[Any]) -> tuple[Path, ...]:
        local_layers = self.resources("AWS::Serverless::LayerVersion")
        directories = []
        for layer in layers:
            logical_id = str(layer.get("Ref")) if isinstance(layer, dict) else ""
            content = ((local_layers.get(logical_id) or {}).get("Properties") or {}).get("ContentUri")
            if isinstance(content, str):
                directories.append(self.root / content)
        return tuple(directories)

    def _events(self, *types: str) -> list[tuple[str, str, dict[str, Any]]]:
        found = []
        for logical_id, resource in self.resources(*_FUNCTION_TYPES).items():
            for event_name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
                if event.get("Type") in types:
                    found.append((logical_id, event_name, event))
        return found

    def api_routes(self) -> list[ApiRoute]:
        """List the API Gateway (REST) routes, one per Api event."""
        apis = self.resources("AWS::Serverless::Api")
        routes = []
        for logical_id, event_name, event in self._events("Api"):
            properties = event.get("Properties") or {}
            path = self.resolve(properties.get("Path"))
            if not isinstance(path, str):
                continue
            rest_api = properties.get("RestApiId")
            api_id = rest_api.get("Ref") if isinstance(rest_api, dict) else rest_api
            stage = self.resolve(((apis.get(str(api_id)) or {}).get("Properties") or {}).get("StageName")) or "Prod"
            routes.append(
                ApiRoute(
                    method=str(self.resolve(properties.get("Method")) or "ANY").upper(),
                    path=path,
                    function=logical_id,
                    event_name=event_name,
                    stage=str(stage),
                )
            )
        return routes

    def schedules(self) -> list[Schedule]:
        """List the EventBridge Scheduler (ScheduleV2) events; one the local scheduler cannot run is a ValueError."""
        schedules = []
        for logical_id, event_name, event in self._events("ScheduleV2"):
            properties = event.get("Properties") or {}
            raw_input = self.resolve(properties.get("Input"))
            schedule = Schedule(
                event_name=event_name,
                function=logical_id,
                expression=str(self.resolve(properties.get("ScheduleExpression"))),
                timezone=str(self.resolve(properties.get("ScheduleExpressionTimezone")) or "UTC"),
                input=raw_input if isinstance(raw_input, str) or raw_input is None else json.dumps(raw_input),
                name=str(self.resolve(properties.get("Name")) or f"{logical_id}{event_name}"),
                enabled=str(self.resolve(properties.get("State")) or "ENABLED").upper() != "DISABLED",
            )
            try:
                check_expression(schedule.expression, schedule.timezone)
            except ValueError as error:
                raise ValueError(f"{logical_id} schedule {event_name}: {error}") from None
            schedules.append(schedule)
        return schedules

    def event_sources(self, *types: str) -> list[EventSource]:
        """List SNS and EventBridgeRule events (or the given event types)."""
        return [
            EventSource(event_name, logical_id, str(event.get("Type")), self.resolve(event.get("Properties") or {}))
            for logical_id, event_name, event in self._events(*(types or ("SNS", "EventBridgeRule")))
        ]

    def _named(self, *types: str) -> list[Resource]:
        return [
            Resource(
                logical_id,
                str(resource.get("Type")),
                self.resolver.physical_name(logical_id),
                self.resolve(resource.get("Properties") or {}),
            )
            for logical_id, resource in self.resources(*types).items()
        ]

    def tables(self) -> list[Resource]:
        """List the DynamoDB tables with their full, resolved Properties."""
        return self._named(*_TABLE_TYPES)

    def topics(self) -> list[Resource]:
        """List the SNS topics."""
        return self._named("AWS::SNS::Topic")

    def queues(self) -> list[Resource]:
        """List the SQS queues."""
        return self._named("AWS::SQS::Queue")

    def secrets(self) -> list[Resource]:
        """List the Secrets Manager secrets."""
        return self._named("AWS::SecretsManager::Secret")

    def table_name(self, logical_id: str | None = None) -> str:
        """Return the local name of a table (the first one by default)."""
        tables = {table.logical_id: table.name for table in self.tables()}
        if logical_id is None:
            return next(iter(tables.values()))
        return tables[logical_id]


def load_template(
    path: Path | str = TEMPLATE_PATH,
    parameter_overrides: dict[str, str] | None = None,
    endpoint_url: str | None = None,
) -> Template:
    """Load template.yaml (the project's by default); CodeUri paths are relative to its directory."""
    path = Path(path)
    return Template.from_text(
        path.read_text(encoding="utf-8"),
        root=path.resolve().parent,
        parameter_overrides=parameter_overrides,
        endpoint_url=endpoint_url,
    )
