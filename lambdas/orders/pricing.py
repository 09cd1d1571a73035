"""Price a parsed order from the catalog: each line at the catalog's price, the total from those.

A line's `expectedUnitPriceMinor` (the client's `unitPrice`) must equal the catalog price, or the
order fails `PriceChanged` before anything is stored or reserved; an SKU the catalog does not
hold fails `UnknownSku`, one no longer sold `InactiveSku`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orders.catalog import Product
from orders.errors import InactiveSku, InvalidOrder, PriceChanged, UnknownSku
from orders.order import Currency, format_minor

MAX_MINOR_TOTAL = 10**12


def price_order(
    order: Mapping[str, Any], products: Mapping[str, Product], currency: Currency
) -> dict[str, Any]:
    """`order` with catalog-priced lines (`unitPriceMinor`), `totalMinor` and `total`."""
    items: list[dict[str, Any]] = []
    for index, line in enumerate(order["items"]):
        path = f"items[{index}]"
        product = products.get(line["sku"])
        if product is None:
            raise UnknownSku(f"{path}.sku: {line['sku']} is not in the catalog")
        if not product.active:
            raise InactiveSku(f"{path}.sku: {line['sku']} is no longer sold")
        if product.currency != currency.code:
            raise InvalidOrder(
                f"{path}.sku: {line['sku']} is sold in {product.currency}, not {currency.code}"
            )
        expected = line.get("expectedUnitPriceMinor")
        if expected is not None and expected != product.price_minor:
            raise PriceChanged(
                f"{path}.unitPrice: expected {format_minor(expected, currency)} but {line['sku']} "
                f"costs {format_minor(product.price_minor, currency)} {currency.code}"
            )
        items.append(
            {"sku": line["sku"], "quantity": line["quantity"], "unitPriceMinor": product.price_minor}
        )
    total_minor = sum(item["quantity"] * item["unitPriceMinor"] for item in items)
    if total_minor > MAX_MINOR_TOTAL:
        raise InvalidOrder(f"items: order total exceeds {format_minor(MAX_MINOR_TOTAL, currency)}")
    return {**order, "items": items, "totalMinor": total_minor, "total": format_minor(total_minor, currency)}
