"""The product catalog: what each SKU costs, in which currency, and whether it is still sold.

One item per SKU in the catalog table: `sku`, `priceMinor` (integer minor units), `currency`,
`active`. Validate reads the order's lines here (one consistent batch read) and prices the order
from it; the client's own price, if it sends one, is only an expectation (`orders.pricing`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from orders import contract
from orders.errors import CatalogUnavailable
from shared import clients, environment
from shared.dynamodb import transient_failures

TABLE_VARIABLE = contract.CATALOG_TABLE_ENV
BATCH_ATTEMPTS = 4


@dataclass(frozen=True)
class Product:
    """A catalog entry."""

    sku: str
    price_minor: int
    currency: str
    active: bool


class Catalog:
    """Read catalog entries by SKU."""

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self.client = client or clients.client("dynamodb")

    @classmethod
    def from_environment(cls) -> Catalog:
        return cls(environment.text(TABLE_VARIABLE))

    def products(self, skus: Iterable[str]) -> dict[str, Product]:
        """The catalog entries of `skus` that exist (an unknown SKU is simply absent)."""
        keys = [{"sku": {"S": sku}} for sku in dict.fromkeys(skus)]
        found: dict[str, Product] = {}
        for _ in range(BATCH_ATTEMPTS):
            if not keys:
                return found
            request = {self.table_name: {"Keys": keys, "ConsistentRead": True}}
            with transient_failures(CatalogUnavailable, "catalog"):
                response = self.client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self.table_name, []):
                product = _product(item)
                found[product.sku] = product
            keys = response.get("UnprocessedKeys", {}).get(self.table_name, {}).get("Keys", [])
        if keys:
            raise CatalogUnavailable(f"catalog left {len(keys)} keys unprocessed")
        return found


def _product(item: Mapping[str, Any]) -> Product:
    return Product(
        sku=item["sku"]["S"],
        price_minor=int(item["priceMinor"]["N"]),
        currency=item["currency"]["S"],
        active=bool(item.get("active", {}).get("BOOL", False)),
    )
