"""Concurrent invocations run in separate sandboxes, as on Lambda; sequential ones reuse a warm one.

"Understanding the Lambda execution environment lifecycle" (Lambda Developer Guide): an execution
environment handles one invocation at a time and is reused for later invocations (warm start);
concurrent invocations get their own environments. So Powertools' Metrics and Logger state, module
globals and named loggers are never shared by two invocations in flight.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from localrun.lambda_runtime import InvocationOutcome, LambdaRuntime
from localrun.provision import FunctionSpec

# Both invocations meet here (this module is shared by the process, not loaded per sandbox).
RENDEZVOUS = threading.Barrier(2, timeout=10)

HANDLER = """
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from tests.localrun.test_lambda_sandboxes import RENDEZVOUS

logger = Logger(service="orders")
metrics = Metrics(namespace="Stepwise", service="orders")
INVOCATIONS = []


@metrics.log_metrics(raise_on_empty_metrics=True)
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    INVOCATIONS.append(event["order"])
    logger.append_keys(order=event["order"])
    metrics.add_metric(name=event["metric"], unit=MetricUnit.Count, value=1)
    if event.get("meet"):
        RENDEZVOUS.wait()  # the other invocation has appended its key and added its metric too
    logger.info("processing")
    return {"order": event["order"], "seen": list(INVOCATIONS)}
"""


@pytest.fixture
def function(tmp_path: Path) -> FunctionSpec:
    package = tmp_path / "sandboxed"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text(HANDLER)
    return FunctionSpec(
        logical_id="SandboxedLogical",
        construct_path="Sandboxed/Function/Resource",
        name="sandboxed",
        arn="arn:aws:lambda:eu-west-1:123456789012:function:sandboxed",
        handler="sandboxed.handler.handler",
        runtime="python3.13",
        source_root=tmp_path,
        environment={},
        memory_mb=256,
        timeout_seconds=30,
        log_group="/aws/lambda/sandboxed",
    )


def invoke(runtime: LambdaRuntime, function: FunctionSpec, event: dict[str, Any]) -> InvocationOutcome:
    return runtime.invoke(function, json.dumps(event).encode())


def log_records(outcome: InvocationOutcome) -> list[dict[str, Any]]:
    return [json.loads(line) for line in outcome.logs.splitlines() if line.startswith("{")]


def test_concurrent_invocations_keep_their_own_metrics_and_log_keys(function: FunctionSpec) -> None:
    runtime = LambdaRuntime(region="eu-west-1")
    events = [{"order": "o-1", "metric": "FirstMetric", "meet": True},
              {"order": "o-2", "metric": "SecondMetric", "meet": True}]  # fmt: skip

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda event: invoke(runtime, function, event), events))

    for outcome, event in zip(outcomes, events, strict=True):
        assert outcome.error_type is None, outcome.payload
        assert json.loads(outcome.payload)["seen"] == [event["order"]]  # a sandbox of its own
        records = log_records(outcome)
        [line] = [record for record in records if record.get("message") == "processing"]
        assert line["order"] == event["order"]
        [emf] = [record for record in records if "_aws" in record]
        metric_names = [m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
        assert metric_names == [event["metric"]]


def test_sequential_invocations_reuse_the_warm_sandbox(function: FunctionSpec) -> None:
    runtime = LambdaRuntime(region="eu-west-1")

    first = invoke(runtime, function, {"order": "o-1", "metric": "M"})
    second = invoke(runtime, function, {"order": "o-2", "metric": "M"})

    assert json.loads(first.payload)["seen"] == ["o-1"]
    assert json.loads(second.payload)["seen"] == ["o-1", "o-2"]
    assert log_records(second)[0]["order"] == "o-2"
