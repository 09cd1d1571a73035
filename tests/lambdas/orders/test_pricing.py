"""Catalog pricing: the catalog's prices make the total; the client's price is only an expectation;
unknown and inactive SKUs are refused by name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from orders.catalog import Catalog, Product
from orders.errors import InactiveSku, InvalidOrder, PriceChanged, UnknownSku
from orders.order import Currency
from orders.pricing import price_order

from tests.lambdas.orders.conftest import CATALOG_TABLE, Aws

USD = Currency("USD", 2, Decimal("1000"))
PRODUCTS = {
    "SKU-1": Product("SKU-1", 1999, "USD", True),
    "SKU-2": Product("SKU-2", 500, "USD", True),
    "OLD": Product("OLD", 700, "USD", False),
    "EU": Product("EU", 700, "EUR", True),
}


def parsed(*lines: dict[str, Any]) -> dict[str, Any]:
    return {"orderId": "o-1", "customerId": "c-1", "currency": "USD", "items": list(lines)}


def test_the_total_comes_from_catalog_prices() -> None:
    priced = price_order(
        parsed({"sku": "SKU-1", "quantity": 2}, {"sku": "SKU-2", "quantity": 1}), PRODUCTS, USD
    )
    assert priced["items"] == [
        {"sku": "SKU-1", "quantity": 2, "unitPriceMinor": 1999},
        {"sku": "SKU-2", "quantity": 1, "unitPriceMinor": 500},
    ]
    assert (priced["totalMinor"], priced["total"]) == (4498, "44.98")


def test_a_matching_expectation_passes_and_is_not_kept() -> None:
    priced = price_order(
        parsed({"sku": "SKU-1", "quantity": 1, "expectedUnitPriceMinor": 1999}), PRODUCTS, USD
    )
    assert priced["items"] == [{"sku": "SKU-1", "quantity": 1, "unitPriceMinor": 1999}]


@pytest.mark.parametrize(
    ("line", "error", "message"),
    [
        (
            {"sku": "SKU-1", "quantity": 1, "expectedUnitPriceMinor": 1},
            PriceChanged,
            "items[0].unitPrice: expected 0.01 but SKU-1 costs 19.99 USD",
        ),
        ({"sku": "NOPE", "quantity": 1}, UnknownSku, "items[0].sku: NOPE is not in the catalog"),
        ({"sku": "OLD", "quantity": 1}, InactiveSku, "items[0].sku: OLD is no longer sold"),
        ({"sku": "EU", "quantity": 1}, InvalidOrder, "items[0].sku: EU is sold in EUR, not USD"),
    ],
)
def test_refusals_are_named(line: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        price_order(parsed(line), PRODUCTS, USD)
    assert type(raised.value) is error and str(raised.value) == message


def test_the_order_total_is_bounded() -> None:
    products = {"BIG": Product("BIG", 10**11, "USD", True)}
    with pytest.raises(InvalidOrder, match=r"^items: order total exceeds"):
        price_order(parsed({"sku": "BIG", "quantity": 11}), products, USD)


def test_the_catalog_reads_the_lines_it_holds(aws: Aws) -> None:
    aws.put_product("SKU-1", 1999)
    aws.put_product("OLD", 700, active=False)
    found = Catalog(CATALOG_TABLE, aws.dynamodb).products(["SKU-1", "OLD", "NOPE", "SKU-1"])
    assert found == {"SKU-1": Product("SKU-1", 1999, "USD", True), "OLD": Product("OLD", 700, "USD", False)}
