"""The order saga's duplicate guard under concurrency, now that DynamoDB conditional writes are atomic.

Two executions of one order started at once under different names (a client retrying with a new
name): DynamoDB lets exactly one `RecordReserving` conditional write through, so one execution
completes the order and the other ends `DuplicateOrder`, and the order is charged once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from localrun import LocalRunner, RunResult
from tests.support.synth import app_stacks
from tests.support.worlds.orders import OrdersWorld, order
from tests.workflows.orders.conftest import CATALOG, OPENING_ACCOUNTS, OPENING_STOCK

ROUNDS = 4


@pytest.fixture(scope="module")
def shop() -> Iterator[OrdersWorld]:
    with LocalRunner.for_stack(app_stacks("dev")["orders"]) as runner:
        shop = OrdersWorld(runner)
        shop.reset()
        shop.open(dict(OPENING_STOCK), [dict(account) for account in OPENING_ACCOUNTS], dict(CATALOG))
        yield shop
        shop.assert_invariant()


def run_twice_at_once(shop: OrdersWorld, order_id: str) -> list[RunResult]:
    document = order(order_id, ("SKU-1", 1))
    shop.submitted[order_id] = document
    executions = [
        shop.runner.start_execution(document, name=f"{order_id}-attempt-{attempt}") for attempt in (1, 2)
    ]
    results: list[RunResult | None] = [None, None]

    def wait(index: int) -> None:
        results[index] = executions[index].wait(timeout=30)

    threads = [threading.Thread(target=wait, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [result for result in results if result is not None]


def test_one_order_started_twice_at_once_completes_once(shop: OrdersWorld) -> None:
    for round_number in range(ROUNDS):
        order_id = f"o-race-{round_number}"

        results = run_twice_at_once(shop, order_id)

        outcomes = sorted((result.status, result.error) for result in results)
        assert outcomes == [("FAILED", "DuplicateOrder"), ("SUCCEEDED", None)], [r.trace() for r in results]
        assert list(shop.ledger()[order_id]) == ["CHARGE"]
    assert shop.inventory()["SKU-1"]["sold"] == ROUNDS
