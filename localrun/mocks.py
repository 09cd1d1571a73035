"""Mocked task responses in the AWS Step Functions Local MockConfigFile format.

For integrations nothing local can run (e.g. `sagemaker:createLabelingJob.sync`), a test case
answers the named Task states instead of calling the service::

    {
      "StateMachines": {
        "<state machine: physical name, logical id or construct id>": {
          "TestCases": {"<TestCase>": {"<TaskState>": "<MockedResponseName>"}}
        }
      },
      "MockedResponses": {
        "<MockedResponseName>": {
          "0": {"Return": {"LabelingJobArn": "..."}},
          "1-2": {"Throw": {"Error": "SageMaker.ResourceLimitExceeded", "Cause": "..."}}
        }
      }
    }

Keys of a mocked response are attempt numbers (0 = first attempt, then retries). As in Step
Functions Local, a mocked Lambda task returns the Invoke response: `{"StatusCode": 200,
"Payload": ...}`. Unmocked states of the test case run for real.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.stepfunctions.parser.mocking.mock_config import (
    MockedResponse,
    MockedResponseReturn,
    MockedResponseThrow,
    MockTestCase,
    StateMockedResponses,
)


class MockConfigError(ValueError):
    """The mock configuration is malformed or lacks the requested test case."""


@dataclass(frozen=True)
class MockConfig:
    """A parsed MockConfigFile."""

    raw: Mapping[str, Any]

    @classmethod
    def load(cls, source: MockConfig | Mapping[str, Any] | str | Path) -> MockConfig:
        if isinstance(source, MockConfig):
            return source
        raw = json.loads(Path(source).read_text()) if isinstance(source, str | Path) else source
        if not isinstance(raw.get("StateMachines"), Mapping):
            raise MockConfigError("mock config needs a 'StateMachines' object")
        if not isinstance(raw.get("MockedResponses", {}), Mapping):
            raise MockConfigError("'MockedResponses' must be an object")
        return cls(raw=raw)

    def has_test_case(self, names: Iterable[str], test_case: str) -> bool:
        return self._machine(names) is not None and test_case in self._cases(names)

    def _machine(self, names: Iterable[str]) -> Mapping[str, Any] | None:
        machines = self.raw["StateMachines"]
        for name in names:
            if name in machines:
                return machines[name]
        return None

    def _cases(self, names: Iterable[str]) -> Mapping[str, Any]:
        machine = self._machine(names) or {}
        return machine.get("TestCases", {})

    def test_case(self, names: Iterable[str], test_case: str) -> MockTestCase:
        """The moto test case for the first of `names` the config knows."""
        names = list(names)
        machine = self._machine(names)
        if machine is None:
            raise MockConfigError(f"no StateMachines entry for any of {names}")
        cases = machine.get("TestCases", {})
        if test_case not in cases:
            raise MockConfigError(f"no test case {test_case!r} for {names[0]} (has {list(cases)})")
        states = [
            StateMockedResponses(
                state_name=state,
                mocked_response_name=response_name,
                mocked_responses=self._responses(response_name),
            )
            for state, response_name in cases[test_case].items()
        ]
        return MockTestCase(
            state_machine_name=names[0], test_case_name=test_case, state_mocked_responses_list=states
        )

    def _responses(self, name: str) -> list[MockedResponse]:
        definitions = self.raw.get("MockedResponses", {}).get(name)
        if not definitions:
            raise MockConfigError(f"no MockedResponses entry {name!r}")
        return [_response(name, attempts, body) for attempts, body in definitions.items()]


def _response(name: str, attempts: str, body: Mapping[str, Any]) -> MockedResponse:
    first, _, last = str(attempts).partition("-")
    try:
        start, end = int(first), int(last or first)
    except ValueError:
        raise MockConfigError(f"{name}: bad attempt range {attempts!r}") from None
    if ("Return" in body) == ("Throw" in body):
        raise MockConfigError(f"{name}[{attempts}]: needs exactly one of Return or Throw")
    if "Return" in body:
        return MockedResponseReturn(range_start=start, range_end=end, payload=body["Return"])
    throw = body["Throw"]
    return MockedResponseThrow(
        range_start=start, range_end=end, error=throw["Error"], cause=throw.get("Cause", "")
    )
