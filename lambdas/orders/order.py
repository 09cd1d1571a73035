"""The order contract: parse an incoming order, enforce the business rules, normalize the money.

Every rule failure raises `InvalidOrder` whose message starts with the offending field's path
(`items[1].quantity: ...`), so the execution's cause names exactly what to fix.
Prices come from the catalog (`orders.pricing`); a line's optional `unitPrice` is only the
price the client expects to pay, kept as `expectedUnitPriceMinor`. Amounts leave this module as
integers in the currency's minor units (cents), never floats.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from orders import contract
from orders.errors import InvalidOrder
from shared import environment

ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
CUSTOMER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}")
SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
PAYMENT_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
COUNTRY = re.compile(r"[A-Z]{2}")
DECIMAL_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
"""A numeric string: ASCII digits with an optional decimal point (no `_`, signs or other digits)."""
MAX_TEXT = 200
MAX_UNIT_PRICE_DIGITS = 12
MAX_NUMBER_TEXT = 32
JOINERS = frozenset({"\u200c", "\u200d"})
"""Zero-width non-joiner and joiner: part of Persian, Kurdish and Indic spelling, inside a word."""
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

ORDER_FIELDS = {"orderId", "customerId", "items", "currency", "payment", "shippingAddress"}
ITEM_FIELDS = {"sku", "quantity", "unitPrice"}
ITEM_REQUIRED = ("sku", "quantity")
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
    def from_environment(cls) -> Rules:
        raw = environment.json_object(contract.CURRENCIES_ENV)
        currencies = {
            code: Currency(code, int(spec["minorUnits"]), Decimal(str(spec["approvalThreshold"])))
            for code, spec in raw.items()
        }
        return cls(
            currencies,
            environment.integer(contract.MAX_ITEMS_ENV),
            environment.integer(contract.MAX_QUANTITY_ENV),
        )


def parse_order(raw: Any, rules: Rules) -> dict[str, Any]:
    """Validate `raw` and return the normalized order, not yet priced (see `orders.pricing`)."""
    order = _object(raw, "order", ORDER_FIELDS, required=ORDER_FIELDS)
    currency = _currency(order["currency"], rules)
    return {
        "orderId": _pattern(order["orderId"], "orderId", ORDER_ID),
        "customerId": _pattern(order["customerId"], "customerId", CUSTOMER_ID),
        "currency": currency.code,
        "items": _items(order["items"], rules, currency),
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
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        raise InvalidOrder(f"{path}: must not be empty")
    if len(text) > MAX_TEXT:
        raise InvalidOrder(f"{path}: must be at most {MAX_TEXT} characters")
    _check_characters(text, path)
    return text


def _check_characters(text: str, path: str) -> None:
    """Letters and marks of every script pass, ZWNJ/ZWJ inside a word too; the rest of the format
    characters, controls, surrogates, private-use and unassigned code points are refused by kind."""
    for index, char in enumerate(text):
        if char in BIDI_CONTROLS:
            raise InvalidOrder(f"{path}: must not contain bidirectional control characters")
        if char in JOINERS:
            if not (_in_word(text, index - 1) and _in_word(text, index + 1)):
                raise InvalidOrder(f"{path}: a zero-width joiner or non-joiner must be inside a word")
            continue
        category = unicodedata.category(char)
        if category in {"Cc", "Cf"}:
            raise InvalidOrder(f"{path}: must not contain control or format characters")
        if category in {"Cs", "Co", "Cn"}:
            raise InvalidOrder(f"{path}: must not contain unassigned or private-use characters")


def _in_word(text: str, index: int) -> bool:
    """Whether `text[index]` is a letter or a combining mark (a virama before ZWJ/ZWNJ counts)."""
    return 0 <= index < len(text) and unicodedata.category(text[index])[0] in {"L", "M"}


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
        item = _object(raw, path, ITEM_FIELDS, required=ITEM_REQUIRED)
        sku = _pattern(item["sku"], f"{path}.sku", SKU)
        if sku in seen:
            raise InvalidOrder(f"{path}.sku: duplicate line for {sku}; merge the quantities")
        seen.add(sku)
        line: dict[str, Any] = {
            "sku": sku,
            "quantity": _quantity(item["quantity"], f"{path}.quantity", rules),
        }
        if item.get("unitPrice") is not None:
            line["expectedUnitPriceMinor"] = _price(item["unitPrice"], f"{path}.unitPrice", currency)
        items.append(line)
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
    if isinstance(value, str) and not DECIMAL_TEXT.fullmatch(value):
        raise InvalidOrder(f"{path}: must be ASCII digits with an optional decimal point")
    try:
        amount = Decimal(str(value))
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
