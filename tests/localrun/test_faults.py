"""Fault specs and how often a fault fires."""

from __future__ import annotations

import pytest

from localrun.faults import Fault, FaultPlan


def test_parse_cli_forms() -> None:
    assert Fault.parse("Charge=PaymentDeclined") == Fault(state="Charge", error="PaymentDeclined")
    assert Fault.parse("Charge=Lambda.ServiceException:3") == Fault(
        state="Charge", error="Lambda.ServiceException", times=3
    )
    assert Fault.parse("fn:Charger=Boom:2") == Fault(function="Charger", error="Boom", times=2)


@pytest.mark.parametrize("spec", ["Charge", "=Boom", "Charge=Boom:x"])
def test_bad_specs_are_rejected(spec: str) -> None:
    with pytest.raises(ValueError, match="bad fault"):
        Fault.parse(spec)


def test_a_fault_names_exactly_one_target() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Fault(error="Boom")
    with pytest.raises(ValueError, match="exactly one"):
        Fault(error="Boom", state="A", function="B")


def test_plan_fires_n_times_then_stops() -> None:
    fault = Fault(state="Charge", error="Declined", times=2)
    plan = FaultPlan([fault])

    fired = [plan.for_state("Charge") for _ in range(3)]

    assert [injection.attempt if injection else None for injection in fired] == [1, 2, None]
    assert plan.for_state("Ship") is None
    assert plan.fired() == {fault: 2}
    assert fired[0] is not None and fired[0].cause == "Fault injected by localrun (1/2)"


def test_function_faults_use_the_matcher() -> None:
    plan = FaultPlan([Fault(function="Charger", error="Boom", times=None)])

    assert plan.for_function(lambda name: name == "Charger") is not None
    assert plan.for_function(lambda name: name == "Other") is None
