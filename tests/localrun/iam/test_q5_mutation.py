"""The Q5 mutation: the charge and refund roles lose `dynamodb:UpdateItem` on the payment ledger.

On AWS every charge would then be refused; with IAM enforced locally the order saga's happy path
no longer completes, where the template as written completes it."""

from __future__ import annotations

import copy
import functools
import io
import json
from pathlib import Path
from typing import Any

import pytest

from localrun import LocalRunner, cli
from localrun.samples import Sample
from localrun.template import StackTemplate, synthesize
from tests.support.synth import app_stacks

HAPPY_PATH = Path(__file__).resolve().parents[3] / "examples" / "orders" / "happy-path.json"
ROLES = ("ChargePayment", "RefundPayment")


@functools.cache
def orders_template() -> StackTemplate:
    return synthesize(app_stacks("dev")["orders"])


def _ledger_table(template: dict[str, Any]) -> str:
    return next(
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::DynamoDB::GlobalTable" and "PaymentLedger" in logical_id
    )


def without_ledger_update(stack: StackTemplate) -> tuple[StackTemplate, int]:
    """The template with `dynamodb:UpdateItem` removed from the charge/refund ledger grants, and
    how many statements lost it."""
    template = copy.deepcopy(dict(stack.template))
    ledger = {"Fn::GetAtt": [_ledger_table(template), "Arn"]}
    removed = 0
    for logical_id, resource in template["Resources"].items():
        path = stack.construct_path(logical_id)
        if resource["Type"] != "AWS::IAM::Policy" or not any(f"/{role}/" in f"/{path}" for role in ROLES):
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if statement.get("Resource") == ledger and "dynamodb:UpdateItem" in actions:
                statement["Action"] = [action for action in actions if action != "dynamodb:UpdateItem"]
                removed += 1
    mutated = StackTemplate(
        stack_name=stack.stack_name,
        template=template,
        region=stack.region,
        account=stack.account,
        construct_paths=stack.construct_paths,
    )
    return mutated, removed


def _run_happy_path(stack: StackTemplate, *, iam: bool = True) -> tuple[Any, list[Any]]:
    sample = Sample.load(HAPPY_PATH, "orders")
    with LocalRunner(stack, iam=iam) as runner:
        result = sample.run(runner)
        denials = list(runner.policies.denials) if iam else []
    return result, denials


def test_the_template_as_written_completes_the_happy_path() -> None:
    result, denials = _run_happy_path(orders_template())
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["progress"]["status"] != "FAILED"
    assert "Refund" not in " ".join(result.states)
    assert denials == []


def test_without_ledger_update_the_happy_path_no_longer_completes() -> None:
    mutated, removed = without_ledger_update(orders_template())
    assert removed == 2  # the charge role's grant and the refund role's grant
    result, denials = _run_happy_path(mutated)
    assert {denial.action for denial in denials} == {"dynamodb:UpdateItem"}
    assert all(":table/" in denial.resource and "PaymentLedger" in denial.resource for denial in denials)
    assert "is not authorized to perform: dynamodb:UpdateItem" in denials[0].message
    failed = [item.logical_id for item in result.invocations if item.error_type is not None]
    assert failed and all("ChargePayment" in logical_id for logical_id in failed)
    assert result.status == "FAILED", json.dumps(result.to_dict(), default=str)[:2000]
    assert result.entered("ChargePayment") and result.entered("ReleaseInventory")  # compensated
    assert not result.entered("CreateShipment")
    assert Sample.load(HAPPY_PATH, "orders").mismatches(result)


def test_without_iam_the_mutation_goes_unnoticed() -> None:
    mutated, _ = without_ledger_update(orders_template())
    result, _ = _run_happy_path(mutated, iam=False)
    assert result.status == "SUCCEEDED", result.cause


def test_the_command_line_reports_the_refusal_and_no_iam_turns_enforcement_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mutated, _ = without_ledger_update(orders_template())
    monkeypatch.setattr(cli, "load_template", lambda workflow, env, environments=None: mutated)

    enforced, refused = io.StringIO(), io.StringIO()
    assert cli.main(["run", "orders", "--input", str(HAPPY_PATH)], out=refused) == 1
    assert cli.main(["run", "orders", "--input", str(HAPPY_PATH), "--no-iam"], out=enforced) == 0

    assert "IAM refused: User: arn:aws:sts::" in refused.getvalue()
    assert "dynamodb:UpdateItem" in refused.getvalue()
    assert "IAM refused" not in enforced.getvalue()
