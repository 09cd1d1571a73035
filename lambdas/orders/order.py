"""The order contract: parse an incoming order, enforce the business rules, normalize the money.

Every rule failure raises `InvalidOrder` whose message starts with the offending field's path
(`items[1].quantity: ...`), so the execution's cause names exactly what to fix.
Amounts leave this module as integers in the currency's minor units (cents), never floats.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from orders.errors import InvalidOrder

ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
CUSTOMER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}")
SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
PAYMENT_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
COUNTRY = re.compile(r"[A-Z]{2}")
MAX_TEXT = 200
MAX_MINOR_TOTAL = 10**12
MAX_UNIT_PRICE_DIGITS = 12
MAX_NUMBER_TEXT = 32

ORDER_FIELDS = {"orderId", "customerId", "items", "currency", "payment", "shippingAddress"}
ITEM_FIELDS = {"sku", "quantity", "unitPrice"}
PAYMENT_FIELDS = {"token"}
ADDRESS_REQUIRED = ("name", "line1", "city", "postalCode", "country")
ADDRESS_OPTIONAL = ("line2", "region")


@dataclass(frozen=True)
class Currency:
    """A currency the saga accepts."""

    code: str
    minor_units: int
    approval_threshold: Decimal

    @property
    def threshold_minor(self) -> int:
        return int(self.approval_threshold.scaleb(self.minor_units))


@dataclass(frozen=True)
class Rules:
    """The configurable limits an order is checked against."""

    currencies: Mapping[str, Currency]
    max_items: int
    max_quantity: int

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Rules:
        raw = json.loads(environ["CURRENCIES"])
        currencies = {
            code: Currency(code, int(spec["minorUnits"]), Decimal(str(spec["approvalThreshold"])))
            for code, spec in raw.items()
        }
        return cls(currencies, int(environ["MAX_ITEMS"]), int(environ["MAX_QUANTITY"]))


def parse_order(raw: Any, rules: Rules) -> dict[str, Any]:
    """Validate `raw` and return the normalized order the rest of the saga works with."""
    order = _object(raw, "order", ORDER_FIELDS, required=ORDER_FIELDS)
    currency = _currency(order["currency"], rules)
    items = _items(order["items"], rules, currency)
    total_minor = sum(item["quantity"] * item["unitPriceMinor"] for item in items)
    if total_minor > MAX_MINOR_TOTAL:
        raise InvalidOrder(f"items: order total exceeds {format_minor(MAX_MINOR_TOTAL, currency)}")
    return {
        "orderId": _pattern(order["orderId"], "orderId", ORDER_ID),
        "customerId": _pattern(order["customerId"], "customerId", CUSTOMER_ID),
        "currency": currency.code,
        "items": items,
        "totalMinor": total_minor,
        "total": format_minor(total_minor, currency),
        "requiresApproval": total_minor > currency.threshold_minor,
        "payment": _payment(order["payment"]),
        "shippingAddress": _address(order["shippingAddress"]),
    }


def format_minor(amount_minor: int, currency: Currency) -> str:
    """`12345` cents -> `"123.45"` (plain decimal text in the currency's precision)."""
    return f"{Decimal(amount_minor).scaleb(-currency.minor_units):.{currency.minor_units}f}"


def _object(
    value: Any, path: str, allowed: set[str], *, required: set[str] | tuple[str, ...]
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidOrder(f"{path}: must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise InvalidOrder(f"{_join(path, unknown[0])}: unknown field")
    for name in sorted(required):
        if name not in value or value[name] is None:
            raise InvalidOrder(f"{_join(path, name)}: is required")
    return value


def _join(path: str, name: str) -> str:
    return name if path == "order" else f"{path}.{name}"


def _pattern(value: Any, path: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str):
        raise InvalidOrder(f"{path}: must be a string")
    if not pattern.fullmatch(value):
        raise InvalidOrder(f"{path}: must match {pattern.pattern}")
    return value


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidOrder(f"{path}: must be a string")
    text = value.strip()
    if not text:
        raise InvalidOrder(f"{path}: must not be empty")
    if len(text) > MAX_TEXT:
        raise InvalidOrder(f"{path}: must be at most {MAX_TEXT} characters")
    if any(unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"} for char in text):
        raise InvalidOrder(f"{path}: must not contain control or unassigned characters")
    return unicodedata.normalize("NFC", text)


def _currency(value: Any, rules: Rules) -> Currency:
    if not isinstance(value, str) or value not in rules.currencies:
        allowed = ", ".join(sorted(rules.currencies))
        raise InvalidOrder(f"currency: must be one of {allowed}")
    return rules.currencies[value]


def _items(value: Any, rules: Rules, currency: Currency) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise InvalidOrder("items: must be an array")
    if not value:
        raise InvalidOrder("items: must not be empty")
    if len(value) > rules.max_items:
        raise InvalidOrder(f"items: at most {rules.max_items} lines per order")
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(value):
        path = f"items[{index}]"
        item = _object(raw, path, ITEM_FIELDS, required=ITEM_FIELDS)
        sku = _pattern(item["sku"], f"{path}.sku", SKU)
        if sku in seen:
            raise InvalidOrder(f"{path}.sku: duplicate line for {sku}; merge the quantities")
        seen.add(sku)
        items.append(
            {
                "sku": sku,
                "quantity": _quantity(item["quantity"], f"{path}.quantity", rules),
                "unitPriceMinor": _price(item["unitPrice"], f"{path}.unitPrice", currency),
            }
        )
    return items


def _quantity(value: Any, path: str, rules: Rules) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidOrder(f"{path}: must be a whole number")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise InvalidOrder(f"{path}: must be a whole number")
    quantity = int(value)
    if not 1 <= quantity <= rules.max_quantity:
        raise InvalidOrder(f"{path}: must be between 1 and {rules.max_quantity}")
    return quantity


def _price(value: Any, path: str, currency: Currency) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidOrder(f"{path}: must be a number")
    if len(str(value)) > MAX_NUMBER_TEXT:
        raise InvalidOrder(f"{path}: is too long")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidOrder(f"{path}: must be a number") from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidOrder(f"{path}: must be a positive amount")
    minor = amount.scaleb(currency.minor_units)
    if minor != minor.to_integral_value():
        raise InvalidOrder(f"{path}: {currency.code} allows at most {currency.minor_units} decimal places")
    if minor.adjusted() >= MAX_UNIT_PRICE_DIGITS:
        raise InvalidOrder(f"{path}: is too large")
    return int(minor)


def _payment(value: Any) -> dict[str, str]:
    payment = _object(value, "payment", PAYMENT_FIELDS, required=PAYMENT_FIELDS)
    return {"token": _pattern(payment["token"], "payment.token", PAYMENT_TOKEN)}


def _address(value: Any) -> dict[str, str]:
    fields = set(ADDRESS_REQUIRED) | set(ADDRESS_OPTIONAL)
    raw = _object(value, "shippingAddress", fields, required=ADDRESS_REQUIRED)
    address = {
        name: _text(raw[name], f"shippingAddress.{name}")
        for name in (*ADDRESS_REQUIRED, *ADDRESS_OPTIONAL)
        if raw.get(name) is not None
    }
    address["country"] = _pattern(address["country"], "shippingAddress.country", COUNTRY)
    return address
