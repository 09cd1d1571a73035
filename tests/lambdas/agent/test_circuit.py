"""The circuit breaker's rules on the breakers table: open after the threshold in a window, skip or
wait through the cool-down, one half-open probe under concurrency, its outcome decides."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from agent import check_circuit, contract, record_tool_outcome
from agent.circuit import CircuitBreaker, Decision
from agent.settings import Breaker

from tests.lambdas.agent.agentaws import BREAKERS_TABLE, REGION, Account
from tests.lambdas.agent.conftest import call

RULES = Breaker(
    failure_threshold=3,
    window_seconds=300,
    cool_down_seconds=120,
    max_wait_seconds=30,
    probe_timeout_seconds=60,
)
T0 = 1_000_000


@pytest.fixture
def breaker(aws: Account) -> CircuitBreaker:
    return CircuitBreaker(BREAKERS_TABLE, "fetch_url", RULES, aws.dynamodb)


def state(aws: Account) -> str:
    item = aws.item(BREAKERS_TABLE, "fetch_url") or {}
    return str(item.get("state", {}).get("S", "CLOSED"))


def open_circuit(breaker: CircuitBreaker, at: int = T0) -> None:
    for offset in range(RULES.failure_threshold):
        breaker.record_failure(at + offset, probe=False)


def test_failures_under_the_threshold_keep_it_closed(aws: Account, breaker: CircuitBreaker) -> None:
    breaker.record_failure(T0, probe=False)
    breaker.record_failure(T0 + 1, probe=False)
    assert state(aws) == "CLOSED" and breaker.decide(T0 + 2) == Decision("call")


def test_the_threshold_within_the_window_opens_it(aws: Account, breaker: CircuitBreaker) -> None:
    open_circuit(breaker)
    assert state(aws) == "OPEN"
    assert int(aws.item(BREAKERS_TABLE, "fetch_url")["openUntil"]["N"]) == T0 + 2 + RULES.cool_down_seconds


def test_failures_spread_over_more_than_the_window_do_not_open_it(
    aws: Account, breaker: CircuitBreaker
) -> None:
    breaker.record_failure(T0, probe=False)
    breaker.record_failure(T0 + 1, probe=False)
    breaker.record_failure(T0 + RULES.window_seconds + 5, probe=False)
    assert state(aws) == "CLOSED"


def test_a_success_while_closed_resets_the_count(aws: Account, breaker: CircuitBreaker) -> None:
    breaker.record_failure(T0, probe=False)
    breaker.record_failure(T0 + 1, probe=False)
    breaker.record_success(T0 + 2, probe=False)
    breaker.record_failure(T0 + 3, probe=False)
    assert state(aws) == "CLOSED"


def test_during_the_cool_down_calls_are_skipped_then_wait_when_it_ends_soon(
    aws: Account, breaker: CircuitBreaker
) -> None:
    open_circuit(breaker)
    until = T0 + 2 + RULES.cool_down_seconds
    assert breaker.decide(T0 + 10) == Decision("skip")
    assert breaker.decide(until - RULES.max_wait_seconds) == Decision("wait", until)


@pytest.fixture
def atomic_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto checks a condition and writes without a lock; DynamoDB does both atomically per item
    (its documented contract for conditional writes), so the test serializes moto's UpdateItem."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    original = DynamoDBBackend.update_item

    def update_item(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "update_item", update_item)


@pytest.mark.usefixtures("atomic_writes")
def test_after_the_cool_down_exactly_one_concurrent_caller_probes(
    aws: Account, breaker: CircuitBreaker
) -> None:
    open_circuit(breaker)
    after = T0 + 2 + RULES.cool_down_seconds
    clients = [boto3.client("dynamodb", region_name=REGION) for _ in range(8)]
    breakers = [CircuitBreaker(BREAKERS_TABLE, "fetch_url", RULES, client) for client in clients]
    with ThreadPoolExecutor(max_workers=8) as pool:
        decisions = list(pool.map(lambda each: each.decide(after).action, breakers))
    assert decisions.count("probe") == 1
    assert set(decisions) <= {"probe", "skip", "wait"}
    assert state(aws) == "HALF_OPEN"


def test_a_probe_success_closes_and_a_probe_failure_reopens(aws: Account, breaker: CircuitBreaker) -> None:
    open_circuit(breaker)
    after = T0 + 2 + RULES.cool_down_seconds
    assert breaker.decide(after).action == "probe"
    breaker.record_failure(after + 1, probe=True)
    assert state(aws) == "OPEN"
    assert breaker.decide(after + 2).action == "skip"
    later = after + 1 + RULES.cool_down_seconds
    assert breaker.decide(later).action == "probe"
    breaker.record_success(later + 1, probe=True)
    assert state(aws) == "CLOSED" and breaker.decide(later + 2) == Decision("call")


def test_a_lost_probe_claim_expires_and_another_caller_may_probe(
    aws: Account, breaker: CircuitBreaker
) -> None:
    open_circuit(breaker)
    after = T0 + 2 + RULES.cool_down_seconds
    assert breaker.decide(after).action == "probe"
    assert breaker.decide(after + 1).action == "skip"  # the claim holds for probeTimeoutSeconds
    assert breaker.decide(after + RULES.probe_timeout_seconds).action == "probe"


def test_a_straggling_success_does_not_close_an_open_circuit(aws: Account, breaker: CircuitBreaker) -> None:
    open_circuit(breaker)
    breaker.record_success(T0 + 5, probe=False)
    assert state(aws) == "OPEN"


def test_the_handlers_decide_and_record_by_tool_name(aws: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(range(T0, T0 + 100))
    failure = {
        "Error": "ToolFailed",
        "Cause": '{"errorMessage": "fetch_url: host not allowed\\nmore", "stackTrace": ["x"]}',
    }
    for number in range(3):
        recorded = call(
            record_tool_outcome.handler,
            {
                "toolUseId": f"t{number}",
                "name": "fetch_url",
                "decision": "call",
                "error": failure,
                "enteredAt": iso(next(clock)),
            },
        )
    assert recorded == {
        "toolUseId": "t2",
        "name": "fetch_url",
        "status": "error",
        "error": "ToolFailed",
        "cause": "fetch_url: host not allowed",
    }
    checked = {"toolUseId": "t3", "name": "fetch_url", "enteredAt": iso(next(clock))}
    assert call(check_circuit.handler, checked) == {"decision": contract.SKIP}
    ok = {"toolUseId": "t4", "name": "calculator", "status": "success", "resultKey": "k", "bytes": 2}
    assert (
        call(
            record_tool_outcome.handler,
            {"toolUseId": "t4", "name": "calculator", "decision": "call", "result": ok, "enteredAt": iso(T0)},
        )
        == ok
    )


def test_wait_until_is_an_iso_timestamp_for_the_wait_state(
    aws: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    breaker = CircuitBreaker(BREAKERS_TABLE, "calculator", RULES, aws.dynamodb)
    open_circuit(breaker, at=T0)
    now = iso(T0 + 2 + RULES.cool_down_seconds - 10)
    result = call(check_circuit.handler, {"toolUseId": "t1", "name": "calculator", "enteredAt": now})
    assert result == {"decision": "wait", "waitUntil": "1970-01-12T13:48:42Z"}


def test_a_success_without_the_tools_result_is_refused(aws: Account) -> None:
    from agent.errors import InvalidRequest

    with pytest.raises(InvalidRequest, match="result"):
        call(
            record_tool_outcome.handler,
            {"toolUseId": "t1", "name": "calculator", "decision": "call", "enteredAt": iso(T0)},
        )
    assert aws.item(BREAKERS_TABLE, "calculator") is None


def iso(epoch_seconds: int) -> str:
    """`epoch_seconds` as Step Functions writes `$$.State.EnteredTime`."""
    return (
        datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


@pytest.mark.parametrize("entered", [None, "", "yesterday", 17])
def test_a_check_without_the_states_entered_time_is_refused(aws: Account, entered: Any) -> None:
    from agent.errors import InvalidRequest

    with pytest.raises(InvalidRequest, match="enteredAt"):
        call(check_circuit.handler, {"toolUseId": "t1", "name": "calculator", "enteredAt": entered})
    assert aws.item(BREAKERS_TABLE, "calculator") is None
