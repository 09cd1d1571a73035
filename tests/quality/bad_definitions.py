"""Deliberately broken ASL documents, each with the linters expected to reject it.

They ride along in the same linter processes as the real definitions, so every run proves the
linters still reject errors (at the top level and nested in Parallel branches and Map processors).
"""

from __future__ import annotations

from typing import Any

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
BOTH = frozenset({"asl-validator", "statelint"})


def _task(**fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": LAMBDA_INVOKE, "End": True, **fields}


def _machine(states: dict[str, Any], start: str) -> dict[str, Any]:
    return {"StartAt": start, "TimeoutSeconds": 60, "States": states}


def _map(processor_states: dict[str, Any], start: str, mode: str) -> dict[str, Any]:
    config = {"Mode": mode, **({"ExecutionType": "STANDARD"} if mode == "DISTRIBUTED" else {})}
    return {
        "Type": "Map",
        "End": True,
        "ItemProcessor": {"ProcessorConfig": config, "StartAt": start, "States": processor_states},
    }


# name -> (definition, the linters that must reject it)
BAD_DEFINITIONS: dict[str, tuple[dict[str, Any], frozenset[str]]] = {
    "next-to-missing-state": (
        _machine({"T": {"Type": "Task", "Resource": LAMBDA_INVOKE, "Next": "Missing"}}, "T"),
        BOTH,
    ),
    "task-without-resource-in-inline-map": (
        _machine({"M": _map({"T": {"Type": "Task", "End": True}}, "T", "INLINE")}, "M"),
        BOTH,
    ),
    "next-to-missing-state-in-distributed-map": (
        _machine(
            {
                "M": _map(
                    {"T": {"Type": "Task", "Resource": LAMBDA_INVOKE, "Next": "Nowhere"}}, "T", "DISTRIBUTED"
                )
            },
            "M",
        ),
        BOTH,
    ),
    "broken-jsonpath": (_machine({"T": _task(OutputPath="$.a[")}, "T"), BOTH),
    "backoff-below-one-in-parallel-branch": (
        _machine(
            {
                "P": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [
                        {
                            "StartAt": "T",
                            "States": {
                                "T": _task(Retry=[{"ErrorEquals": ["States.ALL"], "BackoffRate": 0.5}])
                            },
                        }
                    ],
                }
            },
            "P",
        ),
        frozenset({"statelint"}),
    ),
    "resource-not-an-arn": (
        _machine({"T": _task(Resource="urn:not-an-arn")}, "T"),
        frozenset({"asl-validator"}),
    ),
}
