"""bench/prices.py: Standard and Express charges as AWS bills them."""

from __future__ import annotations

import pytest

from bench import prices


def test_standard_is_charged_per_transition() -> None:
    assert prices.standard_charge(1_000) == pytest.approx(0.025)
    assert prices.standard_charge(20) * 1_000_000 == pytest.approx(500.0)


@pytest.mark.parametrize(
    ("seconds", "billed"), [(0.0, 0.1), (0.01, 0.1), (0.1, 0.1), (0.1001, 0.2), (3.25, 3.3), (4.0, 4.0)]
)
def test_express_duration_is_rounded_up_to_100_ms(seconds: float, billed: float) -> None:
    assert prices.billed_express_seconds(seconds) == pytest.approx(billed)


def test_express_is_charged_per_request_plus_gb_seconds_in_64_mb_chunks() -> None:
    one_second_at_64mb = 1.0 / 1_000_000 + 1.0 * (64 / 1024) * 0.00001667
    assert prices.express_charge([1.0]) == pytest.approx(one_second_at_64mb)
    assert prices.express_charge([1.0, 1.0]) == pytest.approx(2 * one_second_at_64mb)
    # 65 MB bills two chunks of 64 MB
    assert prices.express_charge([1.0], memory_mb=65) == pytest.approx(
        1.0 / 1_000_000 + 1.0 * (128 / 1024) * 0.00001667
    )
    assert prices.express_charge([]) == 0.0
