"""Load the catalog, stock levels and ledger payment methods (demos, tests, fresh environments).

    python -m scripts.orders.seed DATA.json [--env dev]

DATA is `{"catalog": {"SKU-1": {"priceMinor": 1999, "currency": "USD", "active": true}, ...},
"inventory": {"SKU-1": 10, ...}, "accounts": [{"token": "pm_alice", "balanceMinor": 500000,
"currency": "USD", "customerId": "cust-1", "status": "ACTIVE"}]}`, or a sample file from
`examples/orders/` (its `seed.dynamodb` items are read back into that form). Catalog entries and
accounts are written as given; stock is set with `available = n` (`sold` and the reservations of
running orders are kept). Every account needs its owner (`customerId`): a method without one can
pay for nobody.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3

from scripts.exit_codes import EXIT_CODES, EXIT_USAGE
from scripts.orders.stack_outputs import OutputMissing, stack_output


def seed(
    data: Mapping[str, Any],
    *,
    catalog_table: str,
    inventory_table: str,
    ledger_table: str,
    dynamodb: Any | None = None,
) -> dict[str, int]:
    """Write `data` to the catalog, inventory and ledger tables; return how many items of each."""
    client = dynamodb or boto3.client("dynamodb")
    catalog = dict(data.get("catalog", {}))
    for sku, product in catalog.items():
        client.put_item(TableName=catalog_table, Item=_product_item(sku, product))
    inventory = dict(data.get("inventory", {}))
    for sku, available in inventory.items():
        if isinstance(available, bool) or not isinstance(available, int) or available < 0:
            raise ValueError(f"inventory.{sku}: must be a non-negative integer")
        client.update_item(
            TableName=inventory_table,
            Key={"sku": {"S": sku}},
            UpdateExpression="SET available = :available, sold = if_not_exists(sold, :zero)",
            ExpressionAttributeValues={":available": {"N": str(available)}, ":zero": {"N": "0"}},
        )
    accounts = list(data.get("accounts", []))
    for index, account in enumerate(accounts):
        balance = account.get("balanceMinor")
        if isinstance(balance, bool) or not isinstance(balance, int) or balance < 0:
            raise ValueError(f"accounts[{index}].balanceMinor: must be a non-negative integer")
        item = {
            "pk": {"S": f"ACCOUNT#{account['token']}"},
            "sk": {"S": "ACCOUNT"},
            "balanceMinor": {"N": str(balance)},
            "currency": {"S": account.get("currency", "USD")},
            "status": {"S": account.get("status", "ACTIVE")},
        }
        if account.get("customerId"):
            item["customerId"] = {"S": account["customerId"]}
        client.put_item(TableName=ledger_table, Item=item)
    return {"catalog": len(catalog), "inventory": len(inventory), "accounts": len(accounts)}


def _product_item(sku: str, product: Mapping[str, Any]) -> dict[str, Any]:
    price = product.get("priceMinor")
    if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
        raise ValueError(f"catalog.{sku}.priceMinor: must be a positive integer (minor units)")
    currency = product.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isupper():
        raise ValueError(f"catalog.{sku}.currency: must be an ISO 4217 code")
    active = product.get("active", True)
    if not isinstance(active, bool):
        raise ValueError(f"catalog.{sku}.active: must be true or false")
    return {
        "sku": {"S": sku},
        "priceMinor": {"N": str(price)},
        "currency": {"S": currency},
        "active": {"BOOL": active},
    }


def setup_from_file(path: Path) -> dict[str, Any]:
    """The seed data in `path`: the plain form, or a sample file's `seed.dynamodb` items."""
    data = json.loads(path.read_text())
    if "seed" not in data:
        return dict(data)
    catalog: dict[str, dict[str, Any]] = {}
    inventory: dict[str, int] = {}
    accounts: list[dict[str, Any]] = []
    for entry in data["seed"].get("dynamodb", []):
        item = entry["item"]
        if entry["table"].endswith("Catalog"):
            catalog[item["sku"]] = {key: item[key] for key in ("priceMinor", "currency", "active")}
        elif entry["table"].endswith("Inventory"):
            inventory[item["sku"]] = item["available"]
        elif entry["table"].endswith("PaymentLedger") and item.get("sk") == "ACCOUNT":
            accounts.append(
                {
                    "token": str(item["pk"]).removeprefix("ACCOUNT#"),
                    "balanceMinor": item["balanceMinor"],
                    "currency": item.get("currency", "USD"),
                    "status": item.get("status", "ACTIVE"),
                    "customerId": item.get("customerId"),
                }
            )
    return {"catalog": catalog, "inventory": inventory, "accounts": accounts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.orders.seed", description=__doc__.split("\n\n")[0], epilog=EXIT_CODES
    )
    parser.add_argument("data", type=Path, help="JSON file with the catalog, inventory and accounts to load")
    parser.add_argument("--env", default="dev", help="environment whose stack to use (default: dev)")
    args = parser.parse_args(argv)
    try:
        counts = seed(
            setup_from_file(args.data),
            catalog_table=stack_output(args.env, "CatalogTableName"),
            inventory_table=stack_output(args.env, "InventoryTableName"),
            ledger_table=stack_output(args.env, "LedgerTableName"),
        )
    except (OutputMissing, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
