"""One LocalRunner for the order saga per test module; every test starts from a known shop
and ends with the stock-and-money invariant checked (see `shop.OrdersWorld.assert_invariant`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localrun import LocalRunner
from tests.support.synth import app_stacks
from tests.support.worlds.orders import OrdersWorld

OPENING_STOCK = {"SKU-1": 10, "SKU-2": 5, "SKU-3": 1, "SKU-4": 5, "SKU-5": 5, "SKU-OLD": 5}
OPENING_ACCOUNTS = [
    {"token": "pm_alice", "balanceMinor": 500_000, "currency": "USD", "customerId": "cust-1"},
    {"token": "pm_broke", "balanceMinor": 1_000, "currency": "USD", "customerId": "cust-1"},
    {"token": "pm_bob", "balanceMinor": 500_000, "currency": "USD", "customerId": "cust-2"},
    {"token": "pm_nobody", "balanceMinor": 500_000, "currency": "USD"},
]
CATALOG = {
    "SKU-1": {"priceMinor": 1999, "currency": "USD", "active": True},
    "SKU-2": {"priceMinor": 500, "currency": "USD", "active": True},
    "SKU-3": {"priceMinor": 10_000, "currency": "USD", "active": True},
    "SKU-4": {"priceMinor": 120_000, "currency": "USD", "active": True},
    "SKU-5": {"priceMinor": 60_000, "currency": "USD", "active": True},
    "SKU-OLD": {"priceMinor": 700, "currency": "USD", "active": False},
}


@pytest.fixture(scope="module")
def runner() -> Iterator[LocalRunner]:
    with LocalRunner.for_stack(app_stacks("dev")["orders"]) as local:
        yield local


@pytest.fixture
def shop(runner: LocalRunner) -> Iterator[OrdersWorld]:
    shop = OrdersWorld(runner)
    shop.reset()
    shop.open(dict(OPENING_STOCK), [dict(account) for account in OPENING_ACCOUNTS], dict(CATALOG))
    yield shop
    shop.assert_invariant()
