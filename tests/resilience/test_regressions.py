"""Regression tests for the workflow bugs the fault matrix and the bad-input corpus found.

Each runs the synthesized workflow through its resilience harness and states the bug it pins.
"""

from __future__ import annotations

from localrun import Fault
from tests.resilience.conftest import Harnesses
from tests.resilience.harness import Scenario


def test_orders_parking_retries_sqs_throttling_under_its_step_functions_name(harnesses: Harnesses) -> None:
    """SQS_RETRY listed `SQS.RequestThrottled`; Step Functions reports `SQS.RequestThrottledException`,
    so one throttled SendMessage lost the parked order's message (the operator's work list)."""
    orders = harnesses["orders"]
    parked = orders.samples["compensation-parked"]
    throttled = Fault(state="ParkOrder", error="SQS.RequestThrottledException", times=1)
    observation = orders.execute(Scenario(parked), [throttled])
    assert observation.result is not None and observation.result.error == "OrderNeedsAttention"
    assert observation.result.faults_fired[throttled] == 1
    assert [message["orderId"] for message in orders.shop.parked_messages] == [parked.input["orderId"]]
    assert not observation.problems, observation.problems


def test_rag_plan_failing_unexpectedly_announces_a_failed_run(harnesses: Harnesses) -> None:
    """Plan only caught InvalidInput: any other error escaped the run without announcing it."""
    rag = harnesses["rag"]
    broken = Fault(state="Plan", error="RuntimeError", times=None)
    observation = rag.execute(Scenario(rag.samples["ingest-new-object"]), [broken])
    result = observation.result
    assert result is not None and (result.status, result.error) == ("FAILED", "IngestionRunFailed")
    assert [s for s in result.states if s in ("PlanFailed", "AnnounceCompletion", "RunFailed")] == [
        "PlanFailed",
        "AnnounceCompletion",
        "RunFailed",
    ]
    (event,) = [event for event in rag.plane.events() if event["detail"]["runId"] == result.name]
    assert event["detail"] == {"runId": result.name, "outcome": "failed", "error": "RuntimeError"}


def test_rag_recording_a_line_retries_s3_slow_down(harnesses: Harnesses) -> None:
    """RecordOutcome retried `S3.S3Exception` but not `S3.SlowDownException` (S3 throttling): one
    SlowDown failed the document's child and the document went missing from the report."""
    rag = harnesses["rag"]
    slow_down = Fault(state="RecordOutcome", error="S3.SlowDownException", times=1)
    observation = rag.execute(Scenario(rag.samples["ingest-new-object"]), [slow_down])
    assert observation.summary == "SUCCEEDED ingested=1 unchanged=0 failed=0"
    assert observation.result is not None and observation.result.faults_fired[slow_down] == 1
    assert not observation.problems, observation.problems


def test_tenants_an_account_whose_id_was_not_read_yet_is_quarantined(harnesses: Harnesses) -> None:
    """A failure between CreateAccount and ReadAccountId (recording the request, polling) found no
    account id in the state, so the created account was left in the organization's root."""
    tenants = harnesses["tenants"]
    sample = tenants.samples["provision-tenant"]
    for step in ("RecordAccountRequest", "GetAccountStatus", "ReadAccountId"):
        observation = tenants.execute(Scenario(sample), [Fault(state=step, error="RuntimeError", times=None)])
        result = observation.result
        assert result is not None and result.status == "FAILED", observation.summary
        assert {"LocateAccount", "ResolveAccountId", "QuarantineAccount"} <= set(result.states), step
        record = tenants.record(sample.input["tenantId"])
        assert record is not None and (record["status"], record["quarantine"]) == ("FAILED", "QUARANTINED")
        (account,) = tenants.account_ids() - observation.context["accounts"]
        assert tenants.organization.parent_of(account) == "ou-stpw-quarantine"
        assert not observation.problems, observation.problems


def test_non_object_inputs_are_refused_by_validation_not_a_runtime_error(harnesses: Harnesses) -> None:
    """The validators' Catch put the error at `$.failure`/`$.rejection`/`$.caught` of the input, which
    fails with States.Runtime when the execution input is a JSON array or string."""
    expected = {"orders": "InvalidOrder", "rag": "InvalidRequest", "tenants": "InvalidInput"}
    for workflow, error in expected.items():
        harness = harnesses[workflow]
        sample = harness.samples[harness.policy.happy_paths[None]]
        for bad in ([sample.input], "text"):
            observation, before, after = harness.refuse(sample, bad)
            assert observation.summary == f"FAILED {error}", (workflow, bad, observation.summary)
            assert before == after


def test_cv_runs_refuse_inputs_they_would_have_ignored(harnesses: Harnesses) -> None:
    """Labeling ignored fields besides taskType and preparation ignored its whole input, so a run
    meant for one camera (`{"cameraId": ...}`) prepared every pending camera."""
    cv = harnesses["cv"]
    cases = {
        "labeling-completed": {"taskType": "bounding_box", "maxFrames": 1},
        "preparation-new-cameras": {"cameraId": "dock-7"},
    }
    for sample_name, bad in cases.items():
        observation, before, after = cv.refuse(cv.samples[sample_name], bad)
        assert observation.summary == "FAILED InvalidInput", (sample_name, observation.summary)
        assert before == after


def test_orders_a_settle_failure_never_leaves_the_order_completed(harnesses: Harnesses) -> None:
    """RecordCompleted ran in Notify, before SettleInventory: a failed settle parked the order, and if
    RecordNeedsAttention failed too the status still said COMPLETED while the stock stayed reserved.
    COMPLETED is now written after the settle; the status keeps the last step (AwaitOperator marks the
    order NEEDS_ATTENTION as it stores the operator's token) and the queue has it."""
    orders = harnesses["orders"]
    sample = orders.samples["happy-path"]
    faults = [
        Fault(state="SettleItem", error="DynamoDB.AccessDeniedException", times=None),
        Fault(state="RecordNeedsAttention", error="DynamoDB.AccessDeniedException", times=None),
    ]
    observation = orders.execute(Scenario(sample), faults)
    result = observation.result
    assert result is not None and (result.status, result.error) == ("FAILED", "OrderNeedsAttention")
    assert "RecordCompleted" not in result.states
    status = orders.shop.status(sample.input["orderId"])
    assert (status["status"], status["step"]) == ("NEEDS_ATTENTION", "CREATE_SHIPMENT"), status
    assert [m["orderId"] for m in orders.shop.parked_messages] == [sample.input["orderId"]]
    assert not observation.problems, observation.problems


def test_orders_a_failed_completion_record_parks_the_settled_order(harnesses: Harnesses) -> None:
    """With COMPLETED written last, its failure comes after the stock is sold: the order is parked
    (nothing to compensate), not left IN_PROGRESS with its stock sold."""
    orders = harnesses["orders"]
    sample = orders.samples["happy-path"]
    fault = Fault(state="RecordCompleted", error="DynamoDB.AccessDeniedException", times=None)
    observation = orders.execute(Scenario(sample), [fault])
    result = observation.result
    assert result is not None and (result.status, result.error) == ("FAILED", "OrderNeedsAttention")
    assert orders.shop.status(sample.input["orderId"])["status"] == "NEEDS_ATTENTION"
    assert not observation.problems, observation.problems


def test_orders_compensations_meet_the_effect_they_undo(harnesses: Harnesses) -> None:
    """A failure after CreateShipment (the OrderCompleted event) reaches CancelShipment with a shipment
    to cancel and RefundPayment with a charge to refund; when that compensation fails too, the order
    is parked at its step with the effect still there (and the earlier ones undone)."""
    orders = harnesses["orders"]
    sample = orders.samples["happy-path"]
    order_id = sample.input["orderId"]
    event_lost = Fault(state="PublishOrderCompleted", error="EventBridge.AccessDeniedException", times=None)
    cases = {
        "CancelShipment": ("CANCEL_SHIPMENT", "CREATED"),
        "RefundPayment": ("REFUND_PAYMENT", "CANCELLED"),
    }
    for state, (step, shipment_status) in cases.items():
        failing = Fault(state=state, error="RuntimeError", times=None)
        observation = orders.execute(Scenario(sample), [event_lost, failing])
        result = observation.result
        assert result is not None and result.error == "OrderNeedsAttention", observation.summary
        assert result.faults_fired[failing] >= 1, state
        status = orders.shop.status(order_id)
        assert (status["status"], status["step"]) == ("NEEDS_ATTENTION", step), status
        shipment = orders.shop.shipment(order_id)
        assert shipment is not None and shipment["status"]["S"] == shipment_status, state
        ledger = orders.shop.ledger()[order_id]
        assert "CHARGE" in ledger and "REFUND" not in ledger, state
        assert not observation.problems, observation.problems


def test_agent_a_revise_whose_answer_was_lost_does_not_ask_the_model_again(harnesses: Harnesses) -> None:
    """Revise appended the reviewer's feedback again when retried after a lost response, so the model
    got a conversation repeating the feedback after its own answer (a call the script, like a
    budget, never planned for) and the run ended AgentFailed."""
    agent = harnesses["agent"]
    sample = agent.samples["approval-rejected-then-approved"]
    lost = Fault(state="Revise", error="Lambda.ServiceException", times=1, ambiguous=True)
    observation = agent.execute(Scenario(sample), [lost])
    result = observation.result
    assert result is not None and result.faults_fired[lost] == 1
    assert observation.summary == "SUCCEEDED in Published", observation.summary
    assert not observation.problems, observation.problems


def test_agent_a_refused_request_ends_in_three_states(harnesses: Harnesses) -> None:
    """A refused request went through NoteRefusal, RecordOutcome (nothing to record: no requestId
    was claimed) and the Outcome Choice before its Fail state."""
    agent = harnesses["agent"]
    observation, before, after = agent.refuse(agent.samples["parallel-tools"], {"task": "no id"})
    result = observation.result
    assert result is not None and list(result.states) == ["Validate", "Refusal", "InvalidRequest"]
    assert before == after


def test_agent_an_aggregate_whose_next_round_was_lost_plans_it_from_the_conversation(
    harnesses: Harnesses,
) -> None:
    """A retried Aggregate of a multi-round run found the model's next calls pending in the stored
    conversation and answered them with the previous round's results: `InvalidRequest` ("answers
    no planned call") ended the run."""
    agent = harnesses["agent"]
    sample = agent.samples["circuit-opens"]
    lost = Fault(state="Aggregate", error="Lambda.ServiceException", times=1, ambiguous=True)
    unfaulted = agent.baseline(Scenario(sample))
    observation = agent.execute(Scenario(sample), [lost])
    result = observation.result
    assert result is not None and result.faults_fired[lost] == 1
    assert observation.summary == unfaulted.summary, observation.summary
    assert not observation.problems, observation.problems
