"""The order contract: normalization and every business rule, with the field named on failure."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from orders.errors import InvalidOrder
from orders.order import Currency, Rules, format_minor, parse_order

from shared.environment import MalformedSetting, MissingSetting

RULES = Rules(
    currencies={
        "USD": Currency("USD", 2, Decimal("1000")),
        "JPY": Currency("JPY", 0, Decimal("150000")),
    },
    max_items=3,
    max_quantity=10,
)


def order(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "orderId": "o-1",
        "customerId": "cust-42",
        "currency": "USD",
        "payment": {"token": "pm_alice"},
        "items": [
            {"sku": "SKU-1", "quantity": 2, "unitPrice": 19.99},
            {"sku": "SKU-2", "quantity": 1, "unitPrice": "5"},
        ],
        "shippingAddress": {
            "name": "Zoë O'Brien",
            "line1": "1 Main St",
            "city": "Springfield",
            "postalCode": "12345",
            "country": "US",
        },
    }
    base.update(overrides)
    return base


def test_normalizes_the_client_price_to_an_expectation_in_minor_units() -> None:
    parsed = parse_order(order(), RULES)
    assert parsed["items"] == [
        {"sku": "SKU-1", "quantity": 2, "expectedUnitPriceMinor": 1999},
        {"sku": "SKU-2", "quantity": 1, "expectedUnitPriceMinor": 500},
    ]
    assert "totalMinor" not in parsed, "the catalog prices the order (orders.pricing)"
    assert parsed["payment"] == {"token": "pm_alice"}
    assert parsed["shippingAddress"]["name"] == "Zoë O'Brien"


def test_a_line_without_a_price_is_priced_by_the_catalog_alone() -> None:
    items = [{"sku": "SKU-1", "quantity": 2}]
    assert parse_order(order(items=items), RULES)["items"] == [{"sku": "SKU-1", "quantity": 2}]


def test_float_prices_do_not_drift() -> None:
    items = [{"sku": "S", "quantity": 10, "unitPrice": 0.1}]
    assert parse_order(order(items=items), RULES)["items"][0]["expectedUnitPriceMinor"] == 10


def test_zero_decimal_currency() -> None:
    items = [{"sku": "A", "quantity": 3, "unitPrice": 1200}]
    parsed = parse_order(order(currency="JPY", items=items), RULES)
    assert parsed["items"][0]["expectedUnitPriceMinor"] == 1200


@pytest.mark.parametrize(
    "name",
    ["سارا محمدی\u200cنژاد", "क्\u200dष शर्मा", "ڕێبەر\u200cعەبدوڵڵا", "Zoë O'Brien-Łukasz", "山田 太郎"],  # noqa: RUF001
)
def test_names_accept_every_script_and_joiners_inside_words(name: str) -> None:
    address = {**order()["shippingAddress"], "name": name}
    assert parse_order(order(shippingAddress=address), RULES)["shippingAddress"]["name"] == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Sara\u202eNejad", "must not contain bidirectional control characters"),
        ("Sara\u2066Nejad", "must not contain bidirectional control characters"),
        ("Sara\u200fNejad", "must not contain bidirectional control characters"),
        ("Sara\x07Nejad", "must not contain control or format characters"),
        ("Sara\u00adNejad", "must not contain control or format characters"),
        ("Sara\ufeffNejad", "must not contain control or format characters"),
        ("Sara\U000e0001Nejad", "must not contain control or format characters"),
        ("Sara\u0378Nejad", "must not contain unassigned or private-use characters"),
        ("Sara\ue000Nejad", "must not contain unassigned or private-use characters"),
        ("\u200cSara", "a zero-width joiner or non-joiner must be inside a word"),
        ("Sara \u200d Nejad", "a zero-width joiner or non-joiner must be inside a word"),
        ("Sara1\u200cNejad", "a zero-width joiner or non-joiner must be inside a word"),
    ],
)
def test_names_refuse_controls_bidi_overrides_and_unassigned_by_kind(name: str, message: str) -> None:
    address = {**order()["shippingAddress"], "name": name}
    with pytest.raises(InvalidOrder) as raised:
        parse_order(order(shippingAddress=address), RULES)
    assert str(raised.value) == f"shippingAddress.name: {message}"


@pytest.mark.parametrize("price", ["1_000", "٥", "１０", "1٫5", "+5", " 5", "5.", ".5", "1e3", "NaN"])  # noqa: RUF001
def test_numeric_strings_are_ascii_digits_with_an_optional_point(price: str) -> None:
    items = [{"sku": "SKU-1", "quantity": 1, "unitPrice": price}]
    with pytest.raises(InvalidOrder) as raised:
        parse_order(order(items=items), RULES)
    assert str(raised.value) == "items[0].unitPrice: must be ASCII digits with an optional decimal point"


def test_optional_address_fields_are_kept_and_trimmed() -> None:
    address = {**order()["shippingAddress"], "line2": "  Apt 4 ", "region": "IL"}
    parsed = parse_order(order(shippingAddress=address), RULES)
    assert parsed["shippingAddress"]["line2"] == "Apt 4"
    assert parsed["shippingAddress"]["region"] == "IL"


def test_input_is_not_mutated() -> None:
    raw = order()
    snapshot = copy.deepcopy(raw)
    parse_order(raw, RULES)
    assert raw == snapshot


def _with(path: str, value: Any) -> dict[str, Any]:
    raw = json.loads(json.dumps(order()))
    target: Any = raw
    parts = path.replace("]", "").replace("[", ".").split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    if value is _DELETE:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return raw


_DELETE = object()

INVALID = [
    ("orderId", _DELETE, "orderId: is required"),
    ("orderId", "has space", "orderId: must match"),
    ("orderId", "x" * 65, "orderId: must match"),
    ("orderId", 42, "orderId: must be a string"),
    ("customerId", "'; DROP TABLE orders; --", "customerId: must match"),
    ("currency", "XXX", "currency: must be one of JPY, USD"),
    ("currency", None, "currency: is required"),
    ("items", [], "items: must not be empty"),
    ("items", "SKU-1", "items: must be an array"),
    ("items[0].quantity", 0, "items[0].quantity: must be between 1 and 10"),
    ("items[0].quantity", -1, "items[0].quantity: must be between 1 and 10"),
    ("items[0].quantity", 11, "items[0].quantity: must be between 1 and 10"),
    ("items[0].quantity", 1.5, "items[0].quantity: must be a whole number"),
    ("items[0].quantity", True, "items[0].quantity: must be a whole number"),
    ("items[0].quantity", "2", "items[0].quantity: must be a whole number"),
    ("items[1].unitPrice", 0, "items[1].unitPrice: must be a positive amount"),
    ("items[1].unitPrice", -5, "items[1].unitPrice: must be a positive amount"),
    ("items[1].unitPrice", "1.001", "items[1].unitPrice: USD allows at most 2 decimal places"),
    ("items[1].unitPrice", "0.00", "items[1].unitPrice: must be a positive amount"),
    ("items[1].unitPrice", float("nan"), "items[1].unitPrice: must be a positive amount"),
    ("items[1].unitPrice", "abc", "items[1].unitPrice: must be ASCII digits"),
    ("items[1].unitPrice", "9" * 40, "items[1].unitPrice: is too long"),
    ("items[1].unitPrice", 1e15, "items[1].unitPrice: is too large"),
    ("items[1].unitPrice", [], "items[1].unitPrice: must be a number"),
    ("items[1].sku", "SKU-1", "items[1].sku: duplicate line for SKU-1"),
    ("items[1].sku", "../etc", "items[1].sku: must match"),
    ("items[1].colour", "red", "items[1].colour: unknown field"),
    ("items[0]", "SKU-1", "items[0]: must be an object"),
    ("payment", "pm_alice", "payment: must be an object"),
    ("payment.token", _DELETE, "payment.token: is required"),
    ("payment.cvv", "123", "payment.cvv: unknown field"),
    ("shippingAddress.country", "usa", "shippingAddress.country: must match"),
    ("shippingAddress.city", "   ", "shippingAddress.city: must not be empty"),
    ("shippingAddress.city", "x" * 201, "shippingAddress.city: must be at most 200 characters"),
    ("shippingAddress.line1", "1 Main\x00St", "shippingAddress.line1: must not contain control"),
    ("shippingAddress.line1", "1 Main\u202eSt", "shippingAddress.line1: must not contain bidirectional"),
    ("shippingAddress.postalCode", 12345, "shippingAddress.postalCode: must be a string"),
    ("coupon", "FREE", "coupon: unknown field"),
]


@pytest.mark.parametrize(("path", "value", "message"), INVALID, ids=[case[2] for case in INVALID])
def test_invalid_orders_name_the_field(path: str, value: Any, message: str) -> None:
    with pytest.raises(InvalidOrder) as raised:
        parse_order(_with(path, value), RULES)
    assert str(raised.value).startswith(message)


def test_too_many_lines() -> None:
    items = [{"sku": f"S{i}", "quantity": 1, "unitPrice": 1} for i in range(4)]
    with pytest.raises(InvalidOrder, match=r"^items: at most 3 lines per order"):
        parse_order(order(items=items), RULES)


@pytest.mark.parametrize("raw", [None, [], "order", 42])
def test_non_object_orders(raw: Any) -> None:
    with pytest.raises(InvalidOrder, match=r"^order: must be an object"):
        parse_order(raw, RULES)


def test_format_minor() -> None:
    assert format_minor(5, RULES.currencies["USD"]) == "0.05"
    assert format_minor(120000, RULES.currencies["JPY"]) == "120000"


def test_rules_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURRENCIES", json.dumps({"USD": {"minorUnits": 2, "approvalThreshold": "1000"}}))
    monkeypatch.setenv("MAX_ITEMS", "5")
    monkeypatch.setenv("MAX_QUANTITY", "100")
    rules = Rules.from_environment()
    assert (rules.max_items, rules.max_quantity) == (5, 100)
    assert rules.currencies["USD"].threshold_minor == 100_000


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("MAX_ITEMS", None, MissingSetting),
        ("MAX_QUANTITY", "many", MalformedSetting),
        ("CURRENCIES", "[]", MalformedSetting),
    ],
)
def test_a_missing_or_malformed_rule_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str | None, error: type[Exception]
) -> None:
    monkeypatch.setenv("CURRENCIES", json.dumps({"USD": {"minorUnits": 2, "approvalThreshold": "1000"}}))
    monkeypatch.setenv("MAX_ITEMS", "5")
    monkeypatch.setenv("MAX_QUANTITY", "100")
    if value is None:
        monkeypatch.delenv(name)
    else:
        monkeypatch.setenv(name, value)
    with pytest.raises(error, match=name):
        Rules.from_environment()
