"""Resolve CloudFormation intrinsic functions to local values; anything unresolvable becomes None."""

from __future__ import annotations

import re
from typing import Any

from devstack.settings import ACCOUNT_ID, REGION, STACK_NAME

NO_VALUE = object()
"""`!Ref AWS::NoValue`: the key or list item is removed."""

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::SecretsManager::Secret": "Name",
}


class Unresolvable(Exception):
    """A value cannot be known locally."""


class Resolver:
    """Evaluate intrinsics against a template's parameters, conditions and resources."""

    def __init__(
        self,
        template: dict[str, Any],
        parameter_overrides: dict[str, str] | None = None,
        *,
        stack_name: str = STACK_NAME,
        region: str = REGION,
        endpoint_url: str | None = None,
    ) -> None:
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.condition_definitions: dict[str, Any] = template.get("Conditions") or {}
        self.stack_name = stack_name
        self.region = region
        self.endpoint_url = endpoint_url
        overrides = parameter_overrides or {}
        # The template's parameters are all Type: String.
        self.parameters: dict[str, Any] = {
            name: overrides.get(name, (spec or {}).get("Default"))
            for name, spec in (template.get("Parameters") or {}).items()
        }
        self._evaluating: set[str] = set()

    def resolve(self, value: Any) -> Any:
        """Return value with every intrinsic evaluated; an unresolvable value (or AWS::NoValue) becomes None."""
        try:
            resolved = self._resolve(value)
        except Unresolvable:
            return None
        return None if resolved is NO_VALUE else resolved

    def condition(self, name: str) -> bool:
        """Return a named condition's value (an unknown or unresolvable condition is False)."""
        try:
            return bool(self._condition(name))
        except Unresolvable:
            return False

    def physical_name(self, logical_id: str) -> str:
        """Return the local name of a resource: its name property if resolvable, else `<stack>-<LogicalId>`."""
        resource = self.resources.get(logical_id) or {}
        properties = resource.get("Properties") or {}
        prop = _NAME_PROPERTY.get(resource.get("Type", ""))
        name = self.resolve(properties.get(prop)) if prop else None
        if isinstance(name, str) and name:
            return name
        suffix = ".fifo" if str(self.resolve(properties.get("FifoQueue"))).lower() == "true" else ""
        return f"{self.stack_name}-{logical_id}{suffix}"

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._leaf(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" or key.startswith("Fn::") or (key == "Condition" and isinstance(argument, str)):
                return self._intrinsic(key, argument)
        resolved = {key: self._leaf(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _leaf(self, value: Any) -> Any:
        """Resolve one member of a plain mapping: an unresolvable member is None, its siblings survive."""
        try:
            return self._resolve(value)
        except Unresolvable:
            return None

    def _text(self, value: Any) -> str:
        resolved = self._resolve(value)
        if isinstance(resolved, bool):
            return str(resolved).lower()
        if not isinstance(resolved, str | int | float):
            raise Unresolvable(value)
        return str(resolved)

    def _intrinsic(self, key: str, argument: Any) -> Any:
        # Only the intrinsics template.yaml uses; any other (Fn::ImportValue, Fn::Select, ...) is unresolvable here.
        if key == "Ref":
            return self._ref(argument)
        if key == "Condition":
            return self._condition(argument)
        if key == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else self._resolve(argument)
            return self._get_att(str(parts[0]), str(parts[1]))
        if key == "Fn::Sub":
            template, variables = (argument, {}) if isinstance(argument, str) else argument
            return self._sub(template, self._resolve(variables))
        if key == "Fn::If":
            name, when_true, when_false = argument
            return self._resolve(when_true if self._condition(name) else when_false)
        return self._value_function(key, argument)

    def _value_function(self, key: str, argument: Any) -> Any:
        """The intrinsics that compute a value from their arguments alone."""
        if key == "Fn::Equals":
            left, right = argument
            return self._text(left) == self._text(right)
        if key == "Fn::Not":
            (operand,) = argument
            return not self._resolve(operand)
        if key == "Fn::Split":
            delimiter, text = argument
            return self._text(text).split(str(delimiter))
        if key == "Fn::Join":
            delimiter, items = argument
            return str(delimiter).join(self._text(item) for item in self._resolve(items))
        raise Unresolvable(key)

    def _condition(self, name: str) -> bool:
        guard = f"Conditions.{name}"
        if name not in self.condition_definitions or guard in self._evaluating:
            raise Unresolvable(name)
        self._evaluating.add(guard)
        try:
            return bool(self._resolve(self.condition_definitions[name]))
        finally:
            self._evaluating.discard(guard)

    def _sub(self, template: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self._text(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self._text(self._get_att(logical_id, attribute))
            return self._text(self._ref(name))

        return _SUB_VARIABLE.sub(replace, self._text(template))

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            if self.parameters[name] is None:
                raise Unresolvable(name)
            return self.parameters[name]
        resource_type = (self.resources.get(name) or {}).get("Type", "")
        if name not in self.resources or name in self._evaluating:
            raise Unresolvable(name)
        self._evaluating.add(name)
        try:
            physical = self.physical_name(name)
        finally:
            self._evaluating.discard(name)
        if resource_type in ("AWS::SNS::Topic", "AWS::SecretsManager::Secret"):
            return self._arn(resource_type, physical)
        if resource_type == "AWS::SQS::Queue":
            if not self.endpoint_url:
                raise Unresolvable(name)
            return f"{self.endpoint_url.rstrip('/')}/{ACCOUNT_ID}/{physical}"
        if resource_type in _NAME_PROPERTY:
            return physical
        raise Unresolvable(name)

    def _get_att(self, logical_id: str, attribute: str) -> Any:
        resource_type = (self.resources.get(logical_id) or {}).get("Type", "")
        if logical_id not in self.resources or resource_type not in _NAME_PROPERTY:
            raise Unresolvable(logical_id)
        physical = self.physical_name(logical_id)
        if attribute == "Arn":
            return self._arn(resource_type, physical)
        if attribute in ("TopicName", "QueueName", "Name"):
            return physical
        raise Unresolvable(f"{logical_id}.{attribute}")

    def _arn(self, resource_type: str, physical: str) -> str:
        service, kind = {
            "AWS::DynamoDB::Table": ("dynamodb", "table/"),
            "AWS::SNS::Topic": ("sns", ""),
            "AWS::SQS::Queue": ("sqs", ""),
            "AWS::Serverless::Function": ("lambda", "function:"),
            "AWS::SecretsManager::Secret": ("secretsmanager", "secret:"),
        }[resource_type]
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{kind}{physical}"
