"""The per-customer spend window: accepted orders counted once, over a sliding window, atomically."""

from __future__ import annotations

from orders.spend import SpendWindow, WindowSpend

from tests.lambdas.orders.conftest import SPEND_TABLE, Aws

DAY = 86_400


class Clock:
    """A settable clock (epoch seconds)."""

    def __init__(self, now: float = 1_800_000_000) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def window(aws: Aws, clock: Clock) -> SpendWindow:
    return SpendWindow(SPEND_TABLE, DAY, aws.dynamodb, clock)


def test_orders_add_up_per_customer_and_currency(aws: Aws) -> None:
    spend = window(aws, Clock())
    assert spend.record("c-1", "USD", "o-1", 60_000) == WindowSpend(60_000, 1)
    assert spend.record("c-1", "USD", "o-2", 60_000) == WindowSpend(120_000, 2)
    assert spend.record("c-1", "EUR", "o-3", 10_000) == WindowSpend(10_000, 1)
    assert spend.record("c-2", "USD", "o-4", 5_000) == WindowSpend(5_000, 1)


def test_recording_the_same_order_again_counts_it_once(aws: Aws) -> None:
    spend = window(aws, Clock())
    spend.record("c-1", "USD", "o-1", 60_000)
    assert spend.record("c-1", "USD", "o-1", 60_000) == WindowSpend(60_000, 1)
    [item] = aws.scan(SPEND_TABLE)
    assert list(item["orders"]["M"]) == ["o-1"] and item["version"]["N"] == "1"


def test_orders_leave_the_window_once_it_passes_them(aws: Aws) -> None:
    clock = Clock()
    spend = window(aws, clock)
    spend.record("c-1", "USD", "o-1", 60_000)
    clock.now += DAY - 1
    assert spend.record("c-1", "USD", "o-2", 60_000) == WindowSpend(120_000, 2)
    clock.now += 2
    assert spend.record("c-1", "USD", "o-3", 1_000) == WindowSpend(61_000, 2)
    [item] = aws.scan(SPEND_TABLE)
    assert sorted(item["orders"]["M"]) == ["o-2", "o-3"], "expired orders are pruned"
    assert int(item["expiresAt"]["N"]) == int(clock.now) + DAY


def test_a_concurrent_writer_is_not_lost(aws: Aws) -> None:
    """Another order lands between this writer's read and its write: the conditional write fails,
    the writer reads again and both orders count."""
    clock = Clock()
    spend = window(aws, clock)
    other = window(aws, clock)
    real_get = spend._get
    interleaved = []

    def get_then_let_the_other_write(key):  # type: ignore[no-untyped-def]
        item = real_get(key)
        if not interleaved:
            interleaved.append(other.record("c-1", "USD", "o-other", 50_000))
        return item

    spend._get = get_then_let_the_other_write  # type: ignore[method-assign]
    assert spend.record("c-1", "USD", "o-1", 60_000) == WindowSpend(110_000, 2)
    assert interleaved == [WindowSpend(50_000, 1)]
