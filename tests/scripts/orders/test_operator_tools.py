"""The operator tools: approval decisions (as the caller's IAM identity, with the token only the
approver can decrypt), submissions named after the order, seeding."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scripts.orders import approval, seed, submit
from scripts.orders.stack_outputs import OutputMissing, stack_output

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "orders"
TABLE_NAMES = {"catalog_table": "catalog", "inventory_table": "inventory", "ledger_table": "ledger"}
PASS_MACHINE = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


@pytest.fixture
def clients() -> Iterator[dict[str, Any]]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        tables = {"status": ["orderId"], "catalog": ["sku"], "inventory": ["sku"], "ledger": ["pk", "sk"]}
        for name, keys in tables.items():
            dynamodb.create_table(
                TableName=name,
                KeySchema=[
                    {"AttributeName": key, "KeyType": kind}
                    for key, kind in zip(keys, ["HASH", "RANGE"], strict=False)
                ],
                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key in keys],
                BillingMode="PAY_PER_REQUEST",
            )
        kms = boto3.client("kms", region_name="us-east-1")
        yield {
            "dynamodb": dynamodb,
            "stepfunctions": boto3.client("stepfunctions", region_name="us-east-1"),
            "cloudformation": boto3.client("cloudformation", region_name="us-east-1"),
            "kms": kms,
            "sts": boto3.client("sts", region_name="us-east-1"),
            "key": kms.create_key()["KeyMetadata"]["KeyId"],
        }


def put_status(
    clients: dict[str, Any], order_id: str, status: str, token: str | None = None, *, for_order: str = ""
) -> None:
    """A status item; `token` is stored encrypted as RequestApproval does (for `for_order`'s context)."""
    item = {"orderId": {"S": order_id}, "status": {"S": status}, "executionId": {"S": "arn:e-1"}}
    if token:
        context = {"orderId": for_order or order_id, "executionId": "arn:e-1"}
        ciphertext = clients["kms"].encrypt(
            KeyId=clients["key"], Plaintext=token.encode(), EncryptionContext=context
        )
        item["approvalTokenCiphertext"] = {"B": ciphertext["CiphertextBlob"]}
    clients["dynamodb"].put_item(TableName="status", Item=item)


def decide(clients: dict[str, Any], order_id: str, decision: str = "approve") -> dict[str, str]:
    return approval.decide(
        order_id,
        decision,  # type: ignore[arg-type]
        table_name="status",
        clients=approval.Clients(
            clients["dynamodb"], clients["stepfunctions"], clients["kms"], clients["sts"]
        ),
    )


def test_decide_refuses_unknown_and_undecidable_orders(clients: dict[str, Any]) -> None:
    with pytest.raises(approval.ApprovalError, match="o-1 is unknown"):
        decide(clients, "o-1")
    put_status(clients, "o-1", "COMPLETED")
    with pytest.raises(approval.ApprovalError, match="o-1 is COMPLETED, not awaiting approval"):
        decide(clients, "o-1")


def test_an_expired_token_is_reported_and_the_decision_withdrawn(clients: dict[str, Any]) -> None:
    put_status(clients, "o-2", "AWAITING_APPROVAL", token="not-a-live-token")
    with pytest.raises(approval.ApprovalError, match="expired or was already decided"):
        decide(clients, "o-2", "reject")
    item = clients["dynamodb"].get_item(TableName="status", Key={"orderId": {"S": "o-2"}})["Item"]
    assert "approvalDecision" not in item and "approvalReviewer" not in item
    assert "approvalTokenCiphertext" in item


def test_a_token_stored_for_another_order_is_refused_before_anything_is_recorded(
    clients: dict[str, Any],
) -> None:
    put_status(clients, "o-3", "AWAITING_APPROVAL", token="token-of-o-9", for_order="o-9")
    with pytest.raises(approval.ApprovalError, match="not issued for this order's execution"):
        decide(clients, "o-3")
    item = clients["dynamodb"].get_item(TableName="status", Key={"orderId": {"S": "o-3"}})["Item"]
    assert "approvalDecision" not in item


def test_the_cli_has_no_reviewer_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        approval.main(["approve", "o-1", "--table", "status", "--reviewer", "rita"])
    assert "unrecognized arguments: --reviewer rita" in capsys.readouterr().err


def test_cli_reports_errors_without_a_traceback(
    clients: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert approval.main(["approve", "o-404", "--table", "status"]) == 1
    assert "o-404 is unknown" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("order_id", "expected"),
    [("o-1", "order-o-1"), ("A_b-9", "order-A_b-9")],
)
def test_execution_names_derive_from_the_order_id(order_id: str, expected: str) -> None:
    assert submit.execution_name(order_id) == expected


@pytest.mark.parametrize("order_id", [None, "", "has space", "x" * 65, 42, "a/b"])
def test_unusable_order_ids_get_a_stable_valid_name(order_id: Any) -> None:
    name = submit.execution_name(order_id)
    assert name == submit.execution_name(order_id)
    assert name.startswith("order-invalid-") and len(name) <= 80


def test_submitting_the_same_order_twice_starts_one_execution(clients: dict[str, Any]) -> None:
    sfn = clients["stepfunctions"]
    arn = sfn.create_state_machine(
        name="saga", definition=PASS_MACHINE, roleArn="arn:aws:iam::123456789012:role/x"
    )["stateMachineArn"]
    order = submit.order_from_file(EXAMPLES / "happy-path.json")
    first = submit.submit(order, arn, sfn)
    for _ in range(500):
        if sfn.describe_execution(executionArn=first["executionArn"])["status"] != "RUNNING":
            break
        time.sleep(0.01)
    again = submit.submit(order, arn, sfn)
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert first["executionArn"] == again["executionArn"]
    assert first["name"] == "order-demo-happy"
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 1


def test_seed_reads_a_sample_file(clients: dict[str, Any]) -> None:
    data = seed.setup_from_file(EXAMPLES / "payment-declined.json")
    counts = seed.seed(data, **TABLE_NAMES, dynamodb=clients["dynamodb"])
    assert counts == {"catalog": 4, "inventory": 3, "accounts": 1}
    product = clients["dynamodb"].get_item(TableName="catalog", Key={"sku": {"S": "SKU-1"}})["Item"]
    assert product == {
        "sku": {"S": "SKU-1"},
        "priceMinor": {"N": "1999"},
        "currency": {"S": "USD"},
        "active": {"BOOL": True},
    }
    account = clients["dynamodb"].get_item(
        TableName="ledger", Key={"pk": {"S": "ACCOUNT#pm_broke"}, "sk": {"S": "ACCOUNT"}}
    )["Item"]
    assert account["balanceMinor"]["N"] == "1000" and account["customerId"]["S"] == "cust-1"


def test_seed_keeps_reservations_and_sold_counts(clients: dict[str, Any]) -> None:
    dynamodb = clients["dynamodb"]
    dynamodb.put_item(
        TableName="inventory",
        Item={"sku": {"S": "A"}, "available": {"N": "1"}, "sold": {"N": "4"}, "reservation:o-1": {"N": "2"}},
    )
    seed.seed({"inventory": {"A": 7}}, **TABLE_NAMES, dynamodb=dynamodb)
    item = dynamodb.get_item(TableName="inventory", Key={"sku": {"S": "A"}})["Item"]
    assert (item["available"]["N"], item["sold"]["N"], item["reservation:o-1"]["N"]) == ("7", "4", "2")


@pytest.mark.parametrize(
    "data",
    [
        {"inventory": {"A": -1}},
        {"inventory": {"A": "3"}},
        {"accounts": [{"token": "t", "balanceMinor": 1.5}]},
    ],
)
def test_seed_rejects_bad_values(clients: dict[str, Any], data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be a non-negative integer"):
        seed.seed(data, **TABLE_NAMES, dynamodb=clients["dynamodb"])


@pytest.mark.parametrize(
    ("product", "message"),
    [
        ({"priceMinor": "19.99", "currency": "USD"}, "catalog.A.priceMinor: must be a positive integer"),
        ({"priceMinor": 0, "currency": "USD"}, "catalog.A.priceMinor: must be a positive integer"),
        ({"priceMinor": 100, "currency": "usd"}, "catalog.A.currency: must be an ISO 4217 code"),
        ({"priceMinor": 100, "currency": "USD", "active": "yes"}, "catalog.A.active: must be true or false"),
    ],
)
def test_seed_rejects_bad_catalog_entries(
    clients: dict[str, Any], product: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        seed.seed({"catalog": {"A": product}}, **TABLE_NAMES, dynamodb=clients["dynamodb"])


def test_stack_outputs_are_found_by_key(clients: dict[str, Any]) -> None:
    cloudformation = clients["cloudformation"]
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"StatusTableName": {"Value": "status-table-123"}},
    }
    cloudformation.create_stack(StackName="Stepwise-dev-Orders", TemplateBody=json.dumps(template))
    assert stack_output("dev", "StatusTableName", cloudformation=cloudformation) == "status-table-123"
    with pytest.raises(OutputMissing, match="has no output Nope"):
        stack_output("dev", "Nope", cloudformation=cloudformation)
    with pytest.raises(OutputMissing, match="Stepwise-prod-Orders not found"):
        stack_output("prod", "StatusTableName", cloudformation=cloudformation)
