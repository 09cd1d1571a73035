"""The order saga's deployed data inside a LocalRunner, and the invariant every run must keep.

Invariant (checked after every workflow test by the `shop` fixture):
- stock is conserved per SKU: opening stock = available + open reservations + sold;
- money is conserved per payment method: opening balance = balance + charges - refunds;
- `sold` per SKU equals the quantities of the COMPLETED orders, plus at most those of the
  NEEDS_ATTENTION ones (a parked order may have sold part or all of its stock: settling failed
  part-way, or recording COMPLETED failed after it);
- every order ended in a final status: COMPLETED orders hold no reservation, are charged
  exactly their total at the catalog's prices once and have a CREATED shipment; FAILED and
  REJECTED orders hold no reservation, are charged nothing net and have no live shipment;
  NEEDS_ATTENTION orders are parked in the queue with their context.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from localrun import LocalRunner, RunResult
from scripts.orders.seed import seed
from scripts.orders.submit import execution_name

HOLD_PREFIX = "reservation:"
FINAL_STATUSES = {"COMPLETED", "FAILED", "REJECTED", "NEEDS_ATTENTION"}


def order(order_id: str, *items: tuple[str, int] | tuple[str, int, str], **overrides: Any) -> dict[str, Any]:
    """An order for `cust-1` paying with `pm_alice`, shipped to a US address; a line is `(sku,
    quantity)` (catalog price) or `(sku, quantity, unitPrice)` (the price the client expects)."""
    return {
        "orderId": order_id,
        "customerId": "cust-1",
        "currency": "USD",
        "payment": {"token": "pm_alice"},
        "items": [_line(*line) for line in items],
        "shippingAddress": {
            "name": "Alice Example",
            "line1": "1 Main St",
            "city": "Springfield",
            "postalCode": "12345",
            "country": "US",
        },
        **overrides,
    }


def _line(sku: str, quantity: int, price: str | None = None) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, **({"unitPrice": price} if price is not None else {})}


@dataclass
class OrdersWorld:
    """Seed and inspect the saga's tables and queue; remember what was opened for the invariant."""

    runner: LocalRunner
    catalog: dict[str, int] = field(default_factory=dict)
    opening_stock: dict[str, int] = field(default_factory=dict)
    opening_balances: dict[str, int] = field(default_factory=dict)
    submitted: dict[str, dict[str, Any]] = field(default_factory=dict)
    parked_messages: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        resource = self.runner.resource
        self.dynamodb = self.runner.client("dynamodb")
        self.sqs = self.runner.client("sqs")
        self.status_table = resource("Workflow/OrderStatus").name
        self.personal_data_table = resource("Workflow/PersonalData").name
        self.catalog_table = resource("Workflow/Catalog").name
        self.spend_table = resource("Workflow/CustomerSpend").name
        self.inventory_table = resource("Workflow/Inventory").name
        self.ledger_table = resource("Workflow/PaymentLedger").name
        self.shipments_table = resource("Workflow/Shipments").name
        self.idempotency_table = resource("Workflow/Idempotency").name
        self.parked_queue_url = resource("Workflow/ParkedOrders").ref

    # ---- set-up -----------------------------------------------------------------------------

    def reset(self) -> None:
        keys = {
            self.status_table: ("orderId",),
            self.personal_data_table: ("orderId",),
            self.catalog_table: ("sku",),
            self.spend_table: ("customerId", "currency"),
            self.inventory_table: ("sku",),
            self.ledger_table: ("pk", "sk"),
            self.shipments_table: ("orderId",),
            self.idempotency_table: ("id",),
        }
        for table, names in keys.items():
            for item in self.dynamodb.scan(TableName=table)["Items"]:
                self.dynamodb.delete_item(TableName=table, Key={n: item[n] for n in names})
        self.parked()
        self.parked_messages.clear()
        self.catalog.clear()
        self.opening_stock.clear()
        self.opening_balances.clear()
        self.submitted.clear()

    def open(
        self,
        stock: dict[str, int],
        accounts: list[dict[str, Any]],
        catalog: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """Seed the catalog (each product `{"priceMinor", "currency", "active"}`), stock and accounts."""
        catalog = catalog or {}
        seed(
            {"catalog": catalog, "inventory": stock, "accounts": accounts},
            catalog_table=self.catalog_table,
            inventory_table=self.inventory_table,
            ledger_table=self.ledger_table,
            dynamodb=self.dynamodb,
        )
        self.catalog.update({sku: int(product["priceMinor"]) for sku, product in catalog.items()})
        self.opening_stock.update(stock)
        self.opening_balances.update({a["token"]: a["balanceMinor"] for a in accounts})

    # ---- running ----------------------------------------------------------------------------

    def run(self, order: dict[str, Any], **options: Any) -> RunResult:
        """Run the saga for `order` under the execution name derived from its id."""
        self.submitted[str(order.get("orderId"))] = order
        options.setdefault("name", execution_name(order.get("orderId")))
        return self.runner.run(order, **options)

    # ---- inspection -------------------------------------------------------------------------

    def inventory(self) -> dict[str, dict[str, Any]]:
        items = self.dynamodb.scan(TableName=self.inventory_table, ConsistentRead=True)["Items"]
        return {
            item["sku"]["S"]: {
                "available": int(item["available"]["N"]),
                "sold": int(item.get("sold", {"N": "0"})["N"]),
                "holds": {
                    name.removeprefix(HOLD_PREFIX): int(value["N"])
                    for name, value in item.items()
                    if name.startswith(HOLD_PREFIX)
                },
            }
            for item in items
        }

    def available(self, sku: str) -> int:
        return int(self.inventory()[sku]["available"])

    def balance(self, token: str) -> int:
        item = self.dynamodb.get_item(
            TableName=self.ledger_table,
            Key={"pk": {"S": f"ACCOUNT#{token}"}, "sk": {"S": "ACCOUNT"}},
        )["Item"]
        return int(item["balanceMinor"]["N"])

    def ledger(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Ledger entries by order id, then by kind (`CHARGE`, `REFUND`)."""
        entries: dict[str, dict[str, dict[str, Any]]] = {}
        for item in self.dynamodb.scan(TableName=self.ledger_table)["Items"]:
            if item["pk"]["S"].startswith("ORDER#"):
                entries.setdefault(item["pk"]["S"].removeprefix("ORDER#"), {})[item["sk"]["S"]] = item
        return entries

    def status(self, order_id: str) -> dict[str, str]:
        item = self.dynamodb.get_item(
            TableName=self.status_table, Key={"orderId": {"S": order_id}}, ConsistentRead=True
        ).get("Item")
        return {name: next(iter(value.values())) for name, value in (item or {}).items()}

    def statuses(self) -> dict[str, dict[str, str]]:
        items = self.dynamodb.scan(TableName=self.status_table)["Items"]
        return {
            item["orderId"]["S"]: {name: next(iter(value.values())) for name, value in item.items()}
            for item in items
        }

    def shipment(self, order_id: str) -> dict[str, Any] | None:
        return self.dynamodb.get_item(TableName=self.shipments_table, Key={"orderId": {"S": order_id}}).get(
            "Item"
        )

    def parked(self) -> list[dict[str, Any]]:
        """Every parked-order message so far (received from the queue and remembered)."""
        while True:
            response = self.sqs.receive_message(
                QueueUrl=self.parked_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            batch = response.get("Messages", [])
            if not batch:
                return list(self.parked_messages)
            for message in batch:
                self.parked_messages.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.parked_queue_url, ReceiptHandle=message["ReceiptHandle"]
                )

    # ---- the invariant ----------------------------------------------------------------------

    def assert_invariant(self) -> None:
        parked_orders = {message["orderId"] for message in self.parked()}
        inventory = self.inventory()
        ledger = self.ledger()
        statuses = self.statuses()
        completed_quantities: Counter[str] = Counter()
        parked_quantities: Counter[str] = Counter()
        for order_id, status in statuses.items():
            assert status["status"] in FINAL_STATUSES, f"{order_id} left {status['status']}"
            counted = {"COMPLETED": completed_quantities, "NEEDS_ATTENTION": parked_quantities}
            if status["status"] in counted:
                for line in self.submitted[order_id]["items"]:
                    counted[status["status"]][line["sku"]] += line["quantity"]

        for sku, opening in self.opening_stock.items():
            row = inventory[sku]
            held = sum(row["holds"].values())
            assert opening == row["available"] + held + row["sold"], f"stock of {sku}: {row}"
            sold_range = (completed_quantities[sku], completed_quantities[sku] + parked_quantities[sku])
            assert sold_range[0] <= row["sold"] <= sold_range[1], f"sold {sku}: {row}"
            for order_id in row["holds"]:
                assert statuses.get(order_id, {}).get("status") == "NEEDS_ATTENTION", (
                    f"{sku} still reserved for {order_id}"
                )

        net_by_account: Counter[str] = Counter()
        for entries in ledger.values():
            charge = entries.get("CHARGE")
            refund = entries.get("REFUND")
            if charge:
                net_by_account[charge["account"]["S"]] += int(charge["amountMinor"]["N"])
            if refund:
                assert charge and refund["chargeId"]["S"] == charge["chargeId"]["S"]
                net_by_account[refund["account"]["S"]] -= int(refund["amountMinor"]["N"])
        for token, opening in self.opening_balances.items():
            assert opening == self.balance(token) + net_by_account[token], f"balance of {token}"

        for order_id, status in statuses.items():
            entries = ledger.get(order_id, {})
            charged = int(entries["CHARGE"]["amountMinor"]["N"]) if "CHARGE" in entries else 0
            refunded = int(entries["REFUND"]["amountMinor"]["N"]) if "REFUND" in entries else 0
            shipment = self.shipment(order_id)
            if status["status"] == "COMPLETED":
                assert charged - refunded == self.total_minor(order_id), order_id
                assert shipment is not None and shipment["status"]["S"] == "CREATED"
            elif status["status"] in {"FAILED", "REJECTED"}:
                assert charged - refunded == 0, f"{order_id} kept {charged - refunded}"
                assert shipment is None or shipment["status"]["S"] == "CANCELLED", order_id
            else:
                assert order_id in parked_orders, f"{order_id} needs attention but is not parked"

    def total_minor(self, order_id: str) -> int:
        """What a completed order must have cost: its lines at the catalog's prices."""
        lines = self.submitted[order_id]["items"]
        return sum(self.catalog[line["sku"]] * line["quantity"] for line in lines)
