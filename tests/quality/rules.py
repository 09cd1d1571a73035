"""Static rules every synthesized state machine must follow (DESIGN.md: "Every Task ... Every workflow").

Task rules apply to every Task state at any depth (Parallel branches, inline and distributed Map
processors). Machine rules apply to the `AWS::StepFunctions::StateMachine` resource.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stacks.execution_logging import ExecutionLogging
from tests.support.asl import StateRef, is_callback, is_lambda_task, iter_states

# The Lambda service errors AWS documents as transient (Step Functions best practices:
# "Handle transient Lambda service exceptions"). Kept here, not imported, so the rule cannot shrink
# along with the shared constant it checks.
TRANSIENT_LAMBDA_ERRORS = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)

# Powertools idempotency's answer while an earlier invocation with the same key still runs (its
# response was lost, or a duplicate start raced it). Kept literal, as above.
IN_PROGRESS_ERROR = "IdempotencyAlreadyInProgressError"

RULES: dict[str, str] = {
    "TASK-TIMEOUT": "every Task has TimeoutSeconds(Path); a callback task may use HeartbeatSeconds(Path)",
    "LAMBDA-RETRY": "every Lambda task retries the transient Lambda errors with backoff and full jitter",
    "IN-PROGRESS-RETRY": (
        "a Task that retries an in-progress error waits, without jitter, at least its TimeoutSeconds "
        "in total (the attempt still running must have finished or expired by the last retry)"
    ),
    "TASK-CATCH": (
        "every Task has a States.ALL Catch (its own or an enclosing Parallel/Map's) or is allow-listed"
    ),
    "MACHINE-TIMEOUT": "every state machine has an execution timeout (top-level TimeoutSeconds)",
    "MACHINE-LOGGING": "every state machine logs as its environment's executionLogging says, to a log group",
    "MACHINE-TRACING": "every state machine has X-Ray tracing enabled",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule} {self.where}: {self.message}"


def tasks(definition: Mapping[str, Any]) -> list[StateRef]:
    return [ref for ref in iter_states(definition) if ref.type == "Task"]


def has_timeout(state: Mapping[str, Any]) -> bool:
    if "TimeoutSeconds" in state or "TimeoutSecondsPath" in state:
        return True
    return is_callback(state) and ("HeartbeatSeconds" in state or "HeartbeatSecondsPath" in state)


def first_retrier(state: Mapping[str, Any], error: str) -> Mapping[str, Any] | None:
    """The retrier Step Functions applies to `error`: the first whose ErrorEquals matches it."""
    for retrier in state.get("Retry", []):
        names = retrier.get("ErrorEquals", [])
        task_failed = "States.TaskFailed" in names and error != "States.Timeout"
        if error in names or "States.ALL" in names or task_failed:
            return retrier
    return None


def retry_problems(state: Mapping[str, Any], errors: Sequence[str] = TRANSIENT_LAMBDA_ERRORS) -> list[str]:
    """Why `state` does not retry each of `errors` with backoff and full jitter (empty if it does)."""
    problems = []
    for error in errors:
        retrier = first_retrier(state, error)
        if retrier is None:
            problems.append(f"{error} is not retried")
        elif retrier.get("MaxAttempts", 3) < 1:
            problems.append(f"{error} is matched by a retrier with MaxAttempts 0")
        elif retrier.get("BackoffRate", 2.0) <= 1:
            problems.append(f"{error} is retried without exponential backoff (BackoffRate <= 1)")
        elif retrier.get("JitterStrategy") != "FULL":
            problems.append(f"{error} is retried without JitterStrategy FULL")
    return problems


def in_progress_problems(state: Mapping[str, Any]) -> list[str]:
    """Why `state`'s retry of an in-progress error could give up before the attempt still running
    ends (empty if it waits long enough, or does not retry that error)."""
    retrier = first_retrier(state, IN_PROGRESS_ERROR)
    if retrier is None or IN_PROGRESS_ERROR not in retrier.get("ErrorEquals", []):
        return []
    if retrier.get("JitterStrategy", "NONE") != "NONE":
        return [f"{IN_PROGRESS_ERROR} is retried with jitter: the waits may add up to nothing"]
    interval, rate = retrier.get("IntervalSeconds", 1), retrier.get("BackoffRate", 2.0)
    cap = retrier.get("MaxDelaySeconds")
    waits = [interval * rate**attempt for attempt in range(retrier.get("MaxAttempts", 3))]
    total = sum(min(wait, cap) if cap else wait for wait in waits)
    timeout = state.get("TimeoutSeconds")
    if isinstance(timeout, int | float) and total < timeout:  # no literal timeout: TASK-TIMEOUT's call
        return [f"{IN_PROGRESS_ERROR} retries wait {total:g} s in all, less than TimeoutSeconds {timeout}"]
    return []


def catches_everything(state: Mapping[str, Any]) -> bool:
    """A catcher of `States.ALL`: whatever the error, the failure goes somewhere designed."""
    return any("States.ALL" in catcher.get("ErrorEquals", []) for catcher in state.get("Catch", []))


def is_caught(ref: StateRef) -> bool:
    """Every failure of the task is routed somewhere: by a catch-all of its own or of an enclosing
    Parallel/Map (a Catch of a few named errors lets every other error fail the run)."""
    return catches_everything(ref.state) or any(catches_everything(c) for c in ref.containers)


def uncaught_tasks(definition: Mapping[str, Any]) -> list[StateRef]:
    return [ref for ref in tasks(definition) if not is_caught(ref)]


def check_definition(
    definition: Mapping[str, Any], where: str, allowed_to_fail: Collection[str] = ()
) -> list[Finding]:
    """Task rules for every Task of one definition; `allowed_to_fail` holds `<where>/<state path>` keys."""
    findings = []
    for ref in tasks(definition):
        location = f"{where}/{ref.location}"
        if not has_timeout(ref.state):
            wanted = "TimeoutSeconds or HeartbeatSeconds" if is_callback(ref.state) else "TimeoutSeconds"
            findings.append(Finding("TASK-TIMEOUT", location, f"no {wanted}"))
        if is_lambda_task(ref.state):
            findings.extend(Finding("LAMBDA-RETRY", location, p) for p in retry_problems(ref.state))
        findings.extend(Finding("IN-PROGRESS-RETRY", location, p) for p in in_progress_problems(ref.state))
        if not is_caught(ref) and location not in allowed_to_fail:
            findings.append(
                Finding(
                    "TASK-CATCH",
                    location,
                    "no Catch and not in ALLOWED_TO_FAIL (tests/quality/allowlists.py)",
                )
            )
    if not isinstance(definition.get("TimeoutSeconds"), int) or definition["TimeoutSeconds"] <= 0:
        findings.append(Finding("MACHINE-TIMEOUT", where, "no execution timeout (TimeoutSeconds)"))
    return findings


def check_machine_resource(
    resource: Mapping[str, Any], where: str, expected: ExecutionLogging
) -> list[Finding]:
    """Logging and tracing rules for one `AWS::StepFunctions::StateMachine` resource; `expected` is
    its environment's `executionLogging`."""
    properties = resource.get("Properties", {})
    logging = properties.get("LoggingConfiguration", {})
    findings = []
    if logging.get("Level") != expected.level:
        findings.append(
            Finding(
                "MACHINE-LOGGING", where, f"log level is {logging.get('Level')!r}, not {expected.level!r}"
            )
        )
    if logging.get("IncludeExecutionData", False) is not expected.include_execution_data:
        findings.append(
            Finding(
                "MACHINE-LOGGING",
                where,
                f"IncludeExecutionData is not {str(expected.include_execution_data).lower()}",
            )
        )
    if not logging.get("Destinations"):
        findings.append(Finding("MACHINE-LOGGING", where, "no log destination"))
    if properties.get("TracingConfiguration", {}).get("Enabled") is not True:
        findings.append(Finding("MACHINE-TRACING", where, "X-Ray tracing is not enabled"))
    return findings
