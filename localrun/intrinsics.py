"""Resolve CloudFormation intrinsic functions (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, ...) to values."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NO_VALUE = "AWS::NoValue"
_SUB_TOKEN = re.compile(r"\$\{(!?)([^}]+)\}")


class TemplateError(ValueError):
    """The template uses something localrun cannot resolve; the message names it."""


@dataclass(frozen=True)
class Pseudo:
    """The pseudo parameters of one (local) deployment."""

    region: str
    account_id: str
    stack_name: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"

    def values(self) -> dict[str, Any]:
        stack_id = (
            f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}:"
            f"stack/{self.stack_name}/00000000-0000-0000-0000-000000000000"
        )
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": stack_id,
            "AWS::NotificationARNs": [],
        }


@dataclass(frozen=True)
class UnresolvedOutput:
    """An Output whose value localrun could not resolve; reading it across stacks names the reason."""

    reason: str


@dataclass(frozen=True)
class CrossStack:
    """What a stack can read of the stacks provisioned before it in the same local world:
    `Fn::ImportValue` reads `exports` (export name -> value), `Fn::GetStackOutput` reads `outputs`
    (stack name -> output logical id -> value)."""

    exports: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def adding(
        self, stack_names: Iterable[str], outputs: Mapping[str, Any], exports: Mapping[str, Any]
    ) -> CrossStack:
        """These plus one more provisioned stack (known by each of `stack_names`)."""
        return CrossStack(
            exports={**self.exports, **exports},
            outputs={**self.outputs, **{name: dict(outputs) for name in stack_names}},
        )


RefLookup = Callable[[str], Any]
AttLookup = Callable[[str, str], Any]


@dataclass
class Resolver:
    """Evaluates intrinsic functions against resolved references, attributes and parameters."""

    ref: RefLookup
    get_att: AttLookup
    pseudo: Pseudo
    parameters: Mapping[str, Any] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    # The outputs and exports of the stacks provisioned before this one.
    cross_stack: CrossStack = field(default_factory=CrossStack)

    def resolve(self, value: Any) -> Any:
        """Return `value` with every intrinsic function evaluated (AWS::NoValue entries removed)."""
        resolved = self._resolve(value)
        return None if resolved is _Removed else resolved

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self._resolve(item) for item in value]
            return [item for item in items if item is not _Removed]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return self._intrinsic(key, argument)
        resolved = {key: self._resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _Removed}

    def _intrinsic(self, name: str, argument: Any) -> Any:
        handler = _INTRINSICS.get(name)
        if handler is None:
            raise TemplateError(f"intrinsic function {name} is not supported by localrun")
        return handler(self, argument)

    def _ref(self, name: Any) -> Any:
        if name == NO_VALUE:
            return _Removed
        pseudo = self.pseudo.values()
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.ref(str(name))

    def _get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        else:
            logical_id, attribute = argument[0], self._resolve(argument[1])
        return self.get_att(logical_id, attribute)

    def _join(self, argument: Any) -> str:
        delimiter, items = argument
        values = self._resolve(items)
        return str(delimiter).join(_scalar(item) for item in values)

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, str):
            template, variables = argument, {}
        else:
            template, variables = argument[0], self._resolve(argument[1])

        def replace(match: re.Match[str]) -> str:
            if match.group(1) == "!":
                return "${" + match.group(2) + "}"
            name = match.group(2)
            if name in variables:
                return _scalar(variables[name])
            if "." in name:
                logical_id, _, attribute = name.partition(".")
                return _scalar(self.get_att(logical_id, attribute))
            return _scalar(self._ref(name))

        return _SUB_TOKEN.sub(replace, template)

    def _select(self, argument: Any) -> Any:
        index, items = argument
        values = self._resolve(items)
        return values[int(self._resolve(index))]

    def _split(self, argument: Any) -> list[str]:
        delimiter, source = argument
        return str(self._resolve(source)).split(delimiter)

    def _if(self, argument: Any) -> Any:
        condition, when_true, when_false = argument
        return self._resolve(when_true if self._condition(condition) else when_false)

    def _condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise TemplateError(f"unknown condition {name!r}")
        return bool(self._resolve(self.conditions[name]))

    def _equals(self, argument: Any) -> bool:
        left, right = (self._resolve(item) for item in argument)
        return bool(left == right)

    def _find_in_map(self, argument: Any) -> Any:
        map_name, top, second = (self._resolve(item) for item in argument)
        try:
            return self.mappings[map_name][top][second]
        except KeyError as error:
            raise TemplateError(f"Fn::FindInMap: no {map_name}.{top}.{second}") from error

    def _import_value(self, argument: Any) -> Any:
        """The value another stack exports under that name, as CloudFormation resolves it."""
        name = self._resolve(argument)
        exports = self.cross_stack.exports
        if not isinstance(name, str) or name not in exports:
            known = ", ".join(sorted(exports)) or "none: no exporting stack was provisioned first"
            raise TemplateError(
                f"Fn::ImportValue: No export named {name} found (exports of the stacks provisioned "
                f"before {self.pseudo.stack_name}: {known})"
            )
        return _output_value(f"Fn::ImportValue {name}", exports[name])

    def _get_stack_output(self, argument: Any) -> Any:
        """An Output of another stack of this local world (same account), by stack and output name."""
        spec = self._resolve(argument)
        if not isinstance(spec, dict) or not {"StackName", "OutputName"} <= set(spec):
            raise TemplateError(f"Fn::GetStackOutput needs StackName and OutputName, got {argument!r}")
        stack, output = spec["StackName"], spec["OutputName"]
        region = spec.get("Region", self.pseudo.region)
        if region != self.pseudo.region:
            raise TemplateError(
                f"Fn::GetStackOutput {stack}.{output}: stack in region {region}, but localrun "
                f"provisions every stack of a run in {self.pseudo.region}"
            )
        outputs = self.cross_stack.outputs
        if stack not in outputs:
            known = ", ".join(sorted(outputs)) or "none"
            raise TemplateError(
                f"Fn::GetStackOutput: stack {stack} does not exist (stacks provisioned before "
                f"{self.pseudo.stack_name}: {known})"
            )
        if output not in outputs[stack]:
            raise TemplateError(
                f"Fn::GetStackOutput: stack {stack} has no output {output} "
                f"(its outputs: {', '.join(sorted(outputs[stack])) or 'none'})"
            )
        return _output_value(f"Fn::GetStackOutput {stack}.{output}", outputs[stack][output])


def _output_value(what: str, value: Any) -> Any:
    if isinstance(value, UnresolvedOutput):
        raise TemplateError(f"{what}: the output's value is not available in localrun ({value.reason})")
    return value


class _RemovedType:
    """Marker for `Ref: AWS::NoValue`: the enclosing key or list item disappears."""


_Removed = _RemovedType()


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        raise TemplateError(f"cannot join a non-scalar value {value!r}")
    return str(value)


_INTRINSICS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Join": Resolver._join,
    "Fn::Sub": Resolver._sub,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::If": Resolver._if,
    "Condition": Resolver._condition,
    "Fn::Equals": Resolver._equals,
    "Fn::Not": lambda resolver, argument: not resolver._resolve(argument[0]),
    "Fn::And": lambda resolver, argument: all(resolver._resolve(item) for item in argument),
    "Fn::Or": lambda resolver, argument: any(resolver._resolve(item) for item in argument),
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::Base64": lambda resolver, argument: base64.b64encode(
        str(resolver._resolve(argument)).encode()
    ).decode(),
    "Fn::GetAZs": lambda resolver, argument: [f"{resolver.pseudo.region}{suffix}" for suffix in "abc"],
    "Fn::ImportValue": Resolver._import_value,
    "Fn::GetStackOutput": Resolver._get_stack_output,
}


def references(value: Any) -> set[str]:
    """Logical ids that `value` refers to through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    _collect(value, found)
    return found


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, found)
        return
    if not isinstance(value, dict):
        return
    for key, argument in value.items():
        if key == "Ref" and isinstance(argument, str) and not argument.startswith("AWS::"):
            found.add(argument)
        elif key == "Fn::GetAtt":
            found.add(argument.partition(".")[0] if isinstance(argument, str) else argument[0])
        elif key == "Fn::Sub":
            template = argument if isinstance(argument, str) else argument[0]
            local = set() if isinstance(argument, str) else set(argument[1])
            for match in _SUB_TOKEN.finditer(template):
                name = match.group(2).partition(".")[0]
                if not match.group(1) and name not in local and not name.startswith("AWS::"):
                    found.add(name)
            if not isinstance(argument, str):
                _collect(argument[1], found)
        else:
            _collect(argument, found)
