import io
import json
import warnings
from dataclasses import dataclass

import pytest

from shared.errors import InvalidInput
from shared.task import execution_id, logger, metrics, task_handler
from tests.support.metrics import emitted_metrics


@dataclass
class FakeContext:
    function_name: str = "probe"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:probe"
    aws_request_id: str = "req-1"


@task_handler
def double(event_input, context):
    return {"doubled": event_input["value"] * 2, "correlation": logger.get_correlation_id()}


def test_unwraps_input_and_tags_logs_with_the_execution_id():
    result = double(
        {"input": {"value": 21}, "executionId": "arn:exec:1", "stateName": "Double"}, FakeContext()
    )
    assert result == {"doubled": 42, "correlation": "arn:exec:1"}


@pytest.mark.parametrize("event", [{}, {"input": [1]}, "text", {"input": None}])
def test_rejects_an_event_without_an_object_input(event):
    with pytest.raises(InvalidInput, match="object 'input'"):
        double(event, FakeContext())


@task_handler
def count(event_input, context):
    metrics.add_metric(name="ThingsCounted", unit="Count", value=event_input["value"])
    return {}


def test_metrics_carry_the_service_and_the_environment_they_run_in(monkeypatch, capsys):
    monkeypatch.setenv("STEPWISE_ENV", "staging")
    # In Lambda, Powertools reads POWERTOOLS_SERVICE_NAME when the module is imported.
    monkeypatch.setattr(metrics.provider, "service", "probe")
    capsys.readouterr()
    count({"input": {"value": 3}, "executionId": "arn:exec:2", "stateName": "Count"}, FakeContext())
    (metric,) = [m for m in emitted_metrics(capsys.readouterr().out) if m.name == "ThingsCounted"]
    assert metric.value == 3
    assert metric.dimensions == {"environment": "staging", "service": "probe"}


@task_handler
def whose(event_input, context):
    return execution_id()


def test_the_task_knows_its_execution_while_it_runs():
    assert whose({"input": {}, "executionId": "arn:exec:2"}, FakeContext()) == "arn:exec:2"
    with pytest.raises(InvalidInput, match="executionId"):
        whose({"input": {}}, FakeContext())
    with pytest.raises(InvalidInput, match="executionId"):
        execution_id()


@task_handler
def remember(event_input, context):
    if "customer" in event_input:
        logger.append_keys(customer=event_input["customer"])
    logger.info("remembered")
    return {}


@pytest.fixture
def log_stream():
    """What the shared Logger writes (its handler's stream was bound when the module was imported)."""
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    yield stream
    logger.registered_handler.setStream(previous)


def logged(stream, message):
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    stream.seek(0)
    stream.truncate()
    (line,) = [line for line in lines if line.get("message") == message]
    return line


def test_log_lines_carry_the_lambda_context_and_no_key_of_an_earlier_invocation(log_stream):
    remember({"input": {"customer": "c-1"}, "executionId": "arn:exec:3"}, FakeContext(aws_request_id="r-1"))
    first = logged(log_stream, "remembered")
    remember({"input": {}, "executionId": "arn:exec:4"}, FakeContext(aws_request_id="r-2"))
    second = logged(log_stream, "remembered")

    assert (first["function_request_id"], first["correlation_id"], first["customer"]) == (
        "r-1",
        "arn:exec:3",
        "c-1",
    )
    assert (second["function_request_id"], second["correlation_id"]) == ("r-2", "arn:exec:4")
    assert "cold_start" in first and second["cold_start"] is False
    assert "customer" not in second


def test_an_invocation_without_metrics_publishes_none_and_warns_nothing(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        double({"input": {"value": 1}, "executionId": "arn:exec:5"}, FakeContext())
    assert emitted_metrics(capsys.readouterr().out) == []


def test_warm_invocations_keep_the_environment_dimension_without_warnings(monkeypatch, capsys):
    monkeypatch.setenv("STEPWISE_ENV", "prod")
    count({"input": {"value": 1}, "executionId": "arn:exec:6"}, FakeContext())  # the cold start sets it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in (2, 3):
            count({"input": {"value": value}, "executionId": "arn:exec:6"}, FakeContext())
    metrics_out = [m for m in emitted_metrics(capsys.readouterr().out) if m.name == "ThingsCounted"]
    assert [m.dimensions["environment"] for m in metrics_out] == ["prod", "prod", "prod"]
