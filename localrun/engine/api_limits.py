"""Step Functions API limits moto does not enforce.

StartExecution's `input` is at most 262144 bytes in UTF-8 ("Length Constraints: Maximum length of
262144"; "Length constraints apply to the payload size, and are expressed as bytes in UTF-8
encoding": StartExecution, AWS Step Functions API Reference; the 256 KiB payload quota). A longer
input is refused as AWS refuses a request that breaks a length constraint, with a
ValidationException naming the member; moto accepted any size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.stepfunctions.exceptions import ValidationException
from moto.stepfunctions.responses import StepFunctionResponse

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_documented_behaviours.py"

MAX_INPUT_BYTES = 262144


def install() -> None:
    replace(StepFunctionResponse, "start_execution", _build_start_execution)


def _build_start_execution(original: Callable[[StepFunctionResponse], Any]) -> Callable[..., Any]:
    def start_execution(self: StepFunctionResponse) -> Any:
        document = self._get_param("input", if_none="{}")
        if isinstance(document, str) and len(document.encode("utf-8")) > MAX_INPUT_BYTES:
            raise ValidationException(
                "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_INPUT_BYTES}"
            )
        return original(self)

    return start_execution
