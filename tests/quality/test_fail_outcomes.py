"""Rule FAIL-OUTCOME: every Fail state is a business outcome (not paged) or pages by design."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import pytest

from tests.quality.allowlists import PAGING_FAILS, ROUTED_OUTCOMES
from tests.quality.fail_outcomes import business_outcomes, fail_states, unplanned_failures
from tests.quality.targets import Machine, Target, machines, targets

TARGETS = targets()
ORDERS = "orders/WorkflowStateMachine"


def _orders() -> Machine:
    (machine,) = machines(Target("dev", "orders"))
    return machine


def _findings(
    machine: Machine,
    outcomes: frozenset[str] | None = None,
    *,
    definition: dict[str, Any] | None = None,
    paging: Mapping[str, str] = PAGING_FAILS,
) -> list[str]:
    found = unplanned_failures(
        machine.key,
        machine.definition if definition is None else definition,
        business_outcomes(machine.target.template, machine.logical_id) if outcomes is None else outcomes,
        paging,
        ROUTED_OUTCOMES,
    )
    return [str(finding) for finding in found]


@pytest.mark.parametrize("target", TARGETS, ids=[target.label for target in TARGETS])
def test_every_fail_state_is_a_business_outcome_or_pages_by_design(target: Target):
    findings = [finding for machine in machines(target) for finding in _findings(machine)]
    assert not findings, "\n".join(findings)


def test_every_listed_fail_state_exists_and_says_why():
    present = {
        f"{machine.key}/{ref.location}"
        for target in TARGETS
        for machine in machines(target)
        for ref in fail_states(machine.definition)
    }
    assert set(PAGING_FAILS) | set(ROUTED_OUTCOMES) <= present
    assert all(len(reason) > 30 for reason in PAGING_FAILS.values())


def test_business_outcomes_are_read_from_the_alarm_metric_filter():
    outcomes = business_outcomes(_orders().target.template, _orders().logical_id)
    assert {"InvalidOrder", "DuplicateOrder", "OutOfStock", "OrderRejected"} <= outcomes
    assert "OrderNeedsAttention" not in outcomes
    (rag,) = machines(Target("dev", "rag"))
    assert business_outcomes(rag.target.template, rag.logical_id) == frozenset()


def test_a_business_outcome_forgotten_in_expected_errors_is_found():
    """`DuplicateOrder` left out of BUSINESS_OUTCOMES: the alarm would page on every duplicate."""
    machine = _orders()
    outcomes = business_outcomes(machine.target.template, machine.logical_id) - {"DuplicateOrder"}
    assert _findings(machine, outcomes) == [
        f"FAIL-OUTCOME {ORDERS}/DuplicateOrder: DuplicateOrder is no business outcome of this machine "
        "(it pages) and is not listed as paging"
    ]


def test_a_routed_outcome_forgotten_in_expected_errors_is_found():
    machine = _orders()
    outcomes = business_outcomes(machine.target.template, machine.logical_id) - {"ApprovalTimedOut"}
    assert _findings(machine, outcomes) == [
        f"FAIL-OUTCOME {ORDERS}/Rejected: ApprovalTimedOut is routed here but is no business outcome: "
        "it pages"
    ]


def test_a_new_fail_state_and_a_new_error_path_fail_state_are_found():
    machine = _orders()
    definition = copy.deepcopy(machine.definition)
    definition["States"]["OrderEmbargoed"] = {"Type": "Fail", "Error": "OrderEmbargoed"}
    definition["States"]["OrderHeld"] = {"Type": "Fail", "ErrorPath": "$.hold.Error"}
    findings = _findings(machine, definition=definition)
    assert [finding.split(":")[0] for finding in findings] == [
        f"FAIL-OUTCOME {ORDERS}/OrderEmbargoed",
        f"FAIL-OUTCOME {ORDERS}/OrderHeld",
    ]
    assert "takes its error at run time" in findings[1]


def test_a_business_outcome_listed_as_paging_is_found():
    machine = _orders()
    paging = {**PAGING_FAILS, f"{ORDERS}/OrderInvalid": "listed by mistake: it is a designed refusal"}
    assert _findings(machine, paging=paging) == [
        f"FAIL-OUTCOME {ORDERS}/OrderInvalid: InvalidOrder is a business outcome, yet listed as paging"
    ]


def test_the_rule_reads_the_synthesized_definition():
    """A renamed Fail error in the definition (not in BUSINESS_OUTCOMES) is found."""
    machine = _orders()
    definition = json.loads(json.dumps(machine.definition).replace('"InvalidOrder"', '"OrderInvalidated"'))
    findings = _findings(machine, definition=definition)
    assert findings and all("OrderInvalidated" in finding for finding in findings)
