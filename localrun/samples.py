"""Sample runs under `examples/<workflow>/*.json`: what to run, what to seed, and what to expect.

A sample file (keys other than `input` and `expect` are optional)::

    {
      "description": "An express order is charged and shipped",
      "input": {"orderId": "o-1"},
      "stateMachine": "OrderSaga",
      "seed": {
        "s3": [{"bucket": "Documents", "key": "incoming/a.txt", "body": "text or JSON value"},
               {"bucket": "Documents", "key": "scans/a.png", "file": "files/a.png"},
               {"bucket": "Documents", "key": "raw/b.bin", "base64": "AAEC/w==",
                "contentType": "application/octet-stream"}],
        "dynamodb": [{"table": "Orders", "item": {"pk": "o-1", "total": 12.5}}]
      },
      "setup": "tests.support.worlds.orders:open_shop",
      "faults": ["Charge=PaymentDeclined:1", {"function": "Ship", "error": "Timeout", "times": 2}],
      "taskTokens": {"AwaitApproval": {"output": {"approved": true}}},
      "mockConfig": "orders.mocks.json",
      "testCase": "HappyPath",
      "bedrock": {
        "converse": [{"expect": {"toolNames": ["calculator"], "lastUserText": {"contains": "2+2"}},
                      "response": {"output": {"message": {"role": "assistant", "content": [...]}},
                                   "stopReason": "tool_use", "usage": {"inputTokens": 9, "outputTokens": 5}}},
                     {"expect": {"toolResults": {"0": "success"}}, "error": {"code": "ThrottlingException"}}],
        "guardrail": [{"expect": {"source": "INPUT"}, "response": {"action": "NONE"}}]
      },
      "expect": {
        "status": "SUCCEEDED",
        "error": "OrderRejected",
        "states": ["Validate", "Charge", "Ship"],
        "notStates": ["Refund"],
        "output": {"status": "SHIPPED"}
      }
    }

`seed` names resources by logical id or construct path and writes them before the run (DynamoDB
items as plain JSON). An S3 object's content is exactly one of `body` (text, or any other JSON value
written as JSON), `base64` (binary content) or `file` (a file's bytes, the path relative to the
sample), with an optional `contentType`. `setup` names a function `(runner, sample) -> None`
(`module:function`), run after seeding, for state a declarative seed cannot express (e.g. an AWS
Organization in moto). `taskTokens` answers `.waitForTaskToken` states with `{"output": ...}` or
`{"error": ..., "cause": ...}`, or lets the task time out with `{"timeout": true}` (its
TimeoutSeconds pass in virtual time); a list of such answers answers the state's successive tokens
in order (e.g. a reviewer who rejects a draft, then approves its revision). `mockConfig` is a
MockConfigFile path (relative to the sample) or an inline object. `bedrock` scripts the run's
bedrock-runtime Converse and ApplyGuardrail calls, answered in order from these turns
(`localrun.emulation.converse`, the expectation language in localrun/README.md); a request that
breaks the script, or a turn never used, is a sample error. `environments` names an environments
JSON file (relative to the sample) the stack is synthesized from instead of cdk.json's, as `cdk
synth -c environmentsFile=...` would: for a configuration only a local run should have. In `expect`,
`states` must be entered in that relative order, `notStates` never, and `output` is matched as a
subset. Files named `*.mocks.json` are mock configs and `*.environments.json` environments files,
not samples.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from localrun.emulation.converse import BedrockScript, ScriptError
from localrun.faults import Fault
from localrun.result import RunResult, readable_cause
from localrun.runner import LocalRunner, TaskFailure, TaskTimeout
from localrun.template import PROJECT_ROOT
from localrun.tracking import TaskToken

EXAMPLES_ROOT = PROJECT_ROOT / "examples"
MOCKS_SUFFIX = ".mocks.json"
ENVIRONMENTS_SUFFIX = ".environments.json"


class SampleError(ValueError):
    """A sample file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Expectation:
    status: str
    error: str | None = None
    states: tuple[str, ...] = ()
    not_states: tuple[str, ...] = ()
    output: Any = None

    def mismatches(self, result: RunResult) -> list[str]:
        """What differs between this expectation and `result` (empty when it holds)."""
        problems = []
        if result.status != self.status:
            detail = f" ({result.error}: {readable_cause(result.cause)})" if result.error else ""
            problems.append(f"status {result.status}{detail}, expected {self.status}")
        if self.error is not None and result.error != self.error:
            problems.append(f"error {result.error!r}, expected {self.error!r}")
        if self.states and not _in_order(self.states, result.states):
            problems.append(f"states {list(result.states)} do not include {list(self.states)} in order")
        entered = sorted(set(self.not_states) & set(result.states))
        if entered:
            problems.append(f"entered {entered}, expected not to")
        if self.output is not None and not _subset(self.output, result.output):
            problems.append(f"output {json.dumps(result.output)[:200]} does not contain the expected")
        return problems


@dataclass(frozen=True)
class Sample:
    """One sample run of a workflow."""

    workflow: str
    path: Path
    input: Any
    expect: Expectation
    description: str = ""
    state_machine: str | None = None
    seed: Mapping[str, Any] = field(default_factory=dict)
    faults: tuple[Fault, ...] = ()
    task_tokens: Mapping[str, Any] = field(default_factory=dict)
    mock_config: Any = None
    test_case: str | None = None
    setup: str | None = None
    bedrock: BedrockScript | None = None
    environments: Path | None = None

    @property
    def name(self) -> str:
        return self.path.stem

    @classmethod
    def load(cls, path: Path, workflow: str | None = None) -> Sample:
        try:
            raw = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise SampleError(f"{path}: not JSON ({error})") from None
        if not isinstance(raw, dict) or "input" not in raw or "expect" not in raw:
            raise SampleError(f"{path}: a sample needs 'input' and 'expect'")
        expect = raw["expect"]
        if not isinstance(expect, dict) or "status" not in expect:
            raise SampleError(f"{path}: expect.status is required")
        seed_data = raw.get("seed", {})
        _check_seed(path, seed_data)
        mock_config = raw.get("mockConfig")
        if isinstance(mock_config, str):
            mock_config = path.parent / mock_config
        return cls(
            workflow=workflow or path.parent.name,
            path=path,
            input=raw["input"],
            description=str(raw.get("description", "")),
            state_machine=raw.get("stateMachine"),
            seed=seed_data,
            faults=tuple(_fault(path, item) for item in raw.get("faults", [])),
            task_tokens=raw.get("taskTokens", {}),
            mock_config=mock_config,
            test_case=raw.get("testCase"),
            setup=raw.get("setup"),
            bedrock=_bedrock_script(path, raw.get("bedrock")),
            environments=_environments_file(path, raw.get("environments")),
            expect=Expectation(
                status=expect["status"],
                error=expect.get("error"),
                states=tuple(expect.get("states", ())),
                not_states=tuple(expect.get("notStates", ())),
                output=expect.get("output"),
            ),
        )

    def run(self, runner: LocalRunner, timeout: float = 60.0) -> RunResult:
        """Seed `runner`'s resources, run the sample and return the result."""
        seed(runner, self.seed, self.path.parent)
        if self.setup:
            _setup_function(self.path, self.setup)(runner, self)
        return runner.run(
            self.input,
            state_machine=self.state_machine,
            faults=self.faults,
            mock_config=self.mock_config,
            test_case=self.test_case,
            bedrock=self.bedrock,
            on_task_token=self.token_answerer(),
            timeout=timeout,
        )

    def token_answerer(self) -> Callable[[TaskToken], Any] | None:
        """A fresh `on_task_token` for one run (it counts each state's tokens), None without answers."""
        if not self.task_tokens:
            return None
        answered: dict[str, int] = {}

        def answer(token: TaskToken) -> Any:
            turn = answered.get(token.state, 0)
            answered[token.state] = turn + 1
            return self._answer(token.state, turn)

        return answer

    def mismatches(self, result: RunResult) -> list[str]:
        """What differs from the expectation, every fault of the sample that never fired, and
        what went wrong with its Bedrock script (a request that broke it, a turn never used)."""
        unfired = [
            f"fault {fault.target}={fault.error} never fired (no such state or function on the path taken)"
            for fault in result.unfired_faults
            if fault in self.faults
        ]
        scripted = [f"bedrock script: {problem}" for problem in result.bedrock_problems]
        return [*self.expect.mismatches(result), *unfired, *scripted]

    def _answer(self, state: str, turn: int) -> Any:
        """The answer to the `turn`-th token of `state`: its one answer, or the `turn`-th of a list
        (None past the list's end: the token stays unanswered)."""
        answers = self.task_tokens.get(state)
        answer = answers[turn] if isinstance(answers, list) and turn < len(answers) else answers
        if answer is None or isinstance(answer, list):
            return None
        if "error" in answer:
            return TaskFailure(str(answer["error"]), str(answer.get("cause", "")))
        if answer.get("timeout"):
            return TaskTimeout()
        return answer.get("output", {})


def _environments_file(path: Path, value: Any) -> Path | None:
    """The sample's `environments` file (relative to the sample), checked to exist."""
    if value is None:
        return None
    if not isinstance(value, str) or not (path.parent / value).is_file():
        raise SampleError(f"{path}: environments must name an environments JSON file next to the sample")
    return path.parent / value


def discover(root: Path = EXAMPLES_ROOT, workflow: str | None = None) -> list[Sample]:
    """Every sample under `root/<workflow>/`, sorted by workflow and file name."""
    folders = [root / workflow] if workflow else sorted(p for p in root.glob("*") if p.is_dir())
    samples = []
    for folder in folders:
        for path in sorted(folder.glob("*.json")):
            if not path.name.endswith((MOCKS_SUFFIX, ENVIRONMENTS_SUFFIX)):
                samples.append(Sample.load(path, folder.name))
    return samples


def seed(runner: LocalRunner, data: Mapping[str, Any], base: Path | None = None) -> None:
    """Write a sample's `seed` (S3 objects, DynamoDB items) into the runner's resources.

    An S3 object's content is one of `body` (text, or a JSON value written as JSON), `base64`
    (bytes) or `file` (bytes of a file, relative to `base`, the sample's folder).
    """
    for entry in data.get("s3", []):
        extra = {"ContentType": entry["contentType"]} if entry.get("contentType") else {}
        runner.client("s3").put_object(
            Bucket=runner.resource(entry["bucket"]).name,
            Key=entry["key"],
            Body=object_body(entry, base),
            **extra,
        )
    if data.get("dynamodb"):
        from boto3.dynamodb.types import TypeSerializer

        serializer = TypeSerializer()
        for entry in data["dynamodb"]:
            item = json.loads(json.dumps(entry["item"]), parse_float=Decimal)
            runner.client("dynamodb").put_item(
                TableName=runner.resource(entry["table"]).name,
                Item={key: serializer.serialize(value) for key, value in item.items()},
            )


def object_body(entry: Mapping[str, Any], base: Path | None = None) -> bytes:
    """The bytes of one S3 seed entry: exactly one of `body`, `base64` or `file`."""
    given = [key for key in ("body", "base64", "file") if key in entry]
    if len(given) != 1:
        raise SampleError(
            f"S3 seed {entry.get('bucket')}/{entry.get('key')} needs exactly one of body, base64, "
            f"file (got {given or 'none'})"
        )
    if "file" in entry:
        path = Path(entry["file"])
        if not path.is_absolute():
            if base is None:
                raise SampleError(f"S3 seed file {entry['file']!r} is relative but no sample folder is known")
            path = base / path
        try:
            return path.read_bytes()
        except OSError as error:
            raise SampleError(f"S3 seed file {path}: {error.strerror}") from None
    if "base64" in entry:
        try:
            return base64.b64decode(str(entry["base64"]), validate=True)
        except (binascii.Error, ValueError) as error:
            raise SampleError(f"S3 seed {entry.get('key')}: base64 is not valid ({error})") from None
    body = entry["body"]
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


def _setup_function(path: Path, reference: str) -> Callable[[LocalRunner, Sample], None]:
    module_name, _, function_name = reference.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError) as error:
        raise SampleError(f"{path}: setup {reference!r} not found ({error})") from None
    return function  # type: ignore[no-any-return]


def _check_seed(path: Path, data: Any) -> None:
    """Report a malformed seed when the sample is loaded, not halfway through a run."""
    if not isinstance(data, dict):
        raise SampleError(f"{path}: seed must be an object")
    for entry in data.get("s3", []):
        try:
            object_body(entry, path.parent)
        except SampleError as error:
            raise SampleError(f"{path}: {error}") from None


def _bedrock_script(path: Path, data: Any) -> BedrockScript | None:
    if data is None:
        return None
    label = str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)
    try:
        return BedrockScript.load(data, label=label)
    except ScriptError as error:
        raise SampleError(str(error)) from None


def _fault(path: Path, item: Any) -> Fault:
    try:
        if isinstance(item, str):
            return Fault.parse(item)
        return Fault(**item)
    except (TypeError, ValueError) as error:
        raise SampleError(f"{path}: bad fault {item!r}: {error}") from None


def _in_order(expected: Sequence[str], actual: Sequence[str]) -> bool:
    remaining = iter(actual)
    return all(any(state == seen for seen in remaining) for state in expected)


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _subset(value, actual[key]) for key, value in expected.items()
        )
    return bool(expected == actual)
