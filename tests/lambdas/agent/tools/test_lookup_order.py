"""lookup_order: a read-only projection of the order's status item, nothing personal."""

from __future__ import annotations

from agent.tools import lookup_order

from tests.lambdas.agent.agentaws import ORDERS_TABLE, Account
from tests.lambdas.agent.conftest import call


def lookup(order_id: str) -> dict[str, object]:
    return {
        "requestId": "req-1",
        "round": 1,
        "toolUseId": "t2",
        "name": "lookup_order",
        "input": {"orderId": order_id},
    }


def test_only_status_step_and_update_time_are_returned(aws: Account) -> None:
    aws.dynamodb.put_item(
        TableName=ORDERS_TABLE,
        Item={
            "orderId": {"S": "o-1"},
            "status": {"S": "AWAITING_APPROVAL"},
            "step": {"S": "APPROVAL"},
            "updatedAt": {"S": "2026-12-07T10:00:00+00:00"},
            "customerId": {"S": "c-1"},
            "approvalTokenCiphertext": {"B": b"sealed"},
        },
    )
    result = call(lookup_order.handler, lookup("o-1"))
    assert aws.json_object(result["resultKey"]) == {
        "orderId": "o-1",
        "found": True,
        "status": "AWAITING_APPROVAL",
        "step": "APPROVAL",
        "updatedAt": "2026-12-07T10:00:00+00:00",
    }


def test_an_unknown_order_is_an_answer_not_a_failure(aws: Account) -> None:
    result = call(lookup_order.handler, lookup("o-404"))
    assert aws.json_object(result["resultKey"]) == {"orderId": "o-404", "found": False}
