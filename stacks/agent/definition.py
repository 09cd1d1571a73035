"""The agent's state graph (Standard), built from the task functions `AgentWorkflow` creates.

Run state (JSONPath, small: conversations, tool results, drafts and reports live in the runs bucket):
`request {requestId, task, tools}`, `limits`, `usage {rounds, inputTokens, outputTokens, costUsd,
toolCalls}`, `revision`, `plan {calls, done}`, `results` (the ToolCalls Map's entries, which
Aggregate consumes), `draft {key, revision, citations}`, `approval`.
Validate, Plan, Aggregate and Revise receive the run state and return it updated (Validate returns
`{duplicate: true, answerKey}` for a requestId already published). `plan.done` is false while the
model asks for tools and true once Aggregate stored a draft; a Plan that is done at once (the model
answered without tools) goes straight to Aggregate, which stores that answer as the draft. Revise is
the Aggregate function again, given the run state with `review` (the reviewer's `{decision: "reject",
feedback}`) and `revision` + 1.

Each tool call of the ToolCalls Map ends as one entry `{toolUseId, name, status, ...}` (status
success, error or skipped): the tool's own result, the error entry RecordToolFailure returns, or a
Pass. Every business outcome and every unexpected error sets `$.failure {Error, Cause}`, goes
through RecordOutcome (the partial report) and ends in a Fail state named after the outcome
(`AgentFailed` for the unexpected ones, which page); a request Validate refuses (`InvalidRequest`,
`DuplicateRequest`) claimed nothing and ends in its Fail state at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.agent.settings import AgentSettings
from stacks.common import LAMBDA_RETRY, PythonTaskFunction, invoke_lambda
from stacks.common.contracts import handler_contract
from stacks.common.tasks import IN_PROGRESS_ERROR, TIMEOUT_MARGIN, await_task_token, outlasting_retry

contract = handler_contract("agent")
BUSINESS_OUTCOMES: tuple[str, ...] = contract.BUSINESS_OUTCOMES
AGENT_FAILED: str = contract.AGENT_FAILED
# The shared task wrapper's refusal of an input that is not a JSON object: an invalid request too.
INVALID_INPUT = "InvalidInput"
OUTCOME_CAUSES = {
    contract.INVALID_REQUEST: "The request broke the schema or a limit; the report names the field.",
    contract.DUPLICATE_REQUEST: "Another execution is working on this requestId; nothing was changed.",
    contract.INVALID_PLAN: "The model planned an unknown tool or invalid arguments after its correction.",
    contract.BUDGET_EXCEEDED: "The run reached its round, token or cost limit; the report is partial.",
    contract.GUARDRAIL_BLOCKED: "The guardrail intervened on the task or the draft.",
    contract.REJECTED: "The reviewer rejected the answer and no revision is left.",
    contract.APPROVAL_TIMED_OUT: "No approval decision arrived in time; nothing was published.",
}
APPROVE = "approve"
REJECT = "reject"
MODEL_RETRY = LAMBDA_RETRY.with_errors(contract.MODEL_UNAVAILABLE)


@dataclass(frozen=True)
class AgentResources:
    """Everything the state graph refers to: settings, step functions by construct id, tool functions."""

    settings: AgentSettings
    steps: dict[str, PythonTaskFunction]
    tools: dict[str, PythonTaskFunction]


def _failure(scope: Construct, construct_id: str, error: str, cause: str) -> sfn.Pass:
    """A Pass that names an outcome a Choice or catcher decided, as `$.failure`."""
    return sfn.Pass(scope, construct_id, parameters={"Error": error, "Cause": cause}, result_path="$.failure")


class AgentDefinition(Construct):
    """Builds the chain; `chain` is the start of the definition."""

    chain: sfn.IChainable

    def __init__(self, scope: Construct, construct_id: str, resources: AgentResources) -> None:
        super().__init__(scope, construct_id)
        self.r = resources
        self.record_outcome = self._outcomes()
        self.tool_calls = self._tool_calls()
        self.chain = self._intake(self._planning(self._answer()))

    # ---- intake: validate, duplicates, guard the task -------------------------------------

    def _intake(self, plan: sfn.IChainable) -> sfn.IChainable:
        validate = invoke_lambda(
            self,
            "Validate",
            self.r.steps["Validate"],
            comment="Schema and limits; claims the requestId (a published one answers as a duplicate)",
        )
        refused = sfn.Pass(
            self,
            "NoteRefusal",
            parameters={"failure.$": "$"},
            comment="The input may not even be an object: the error replaces the state",
        ).next(self.record_outcome)
        # A refusal claimed nothing, so there is nothing to record: straight to its Fail state.
        refusal = (
            sfn.Choice(self, "Refusal")
            .when(
                sfn.Condition.string_equals("$.Error", contract.DUPLICATE_REQUEST),
                self.ends[contract.DUPLICATE_REQUEST],
            )
            .otherwise(self.ends[contract.INVALID_REQUEST])
        )
        validate.add_catch(
            refusal,
            errors=[contract.INVALID_REQUEST, INVALID_INPUT, contract.DUPLICATE_REQUEST],
            result_path="$",
        )
        validate.add_catch(refused, errors=["States.ALL"], result_path="$")
        already = sfn.Succeed(
            self, "AlreadyPublished", comment="Published before: nothing is published twice"
        )
        start = plan if self.r.settings.guardrail is None else self._guard_task().next(plan)
        duplicate = (
            sfn.Choice(self, "IsDuplicate")
            .when(
                sfn.Condition.and_(
                    sfn.Condition.is_present("$.duplicate"), sfn.Condition.boolean_equals("$.duplicate", True)
                ),
                already,
            )
            .otherwise(start)
        )
        return validate.next(duplicate)

    def _guard(self, construct_id: str, source: str, payload: dict[str, Any]) -> tasks.LambdaInvoke:
        task = invoke_lambda(
            self,
            construct_id,
            self.r.steps["Guard"],
            payload={"source": source, "request": sfn.JsonPath.object_at("$.request"), **payload},
            result_path=sfn.JsonPath.DISCARD,
            retry=MODEL_RETRY,
            comment=f"ApplyGuardrail (source {source}); an intervention ends GuardrailBlocked",
        )
        self._record_on_failure(task, contract.GUARDRAIL_BLOCKED)
        return task

    def _guard_task(self) -> tasks.LambdaInvoke:
        return self._guard("GuardTask", "INPUT", {})

    # ---- planning and the tool calls --------------------------------------------------------

    def _planning(self, aggregate: sfn.IChainable) -> sfn.IChainable:
        plan = invoke_lambda(
            self,
            "Plan",
            self.r.steps["Plan"],
            retry=MODEL_RETRY,
            comment="Converse with the tool registry; one corrective turn for an invalid plan",
        )
        self._record_on_failure(plan, contract.INVALID_PLAN, contract.BUDGET_EXCEEDED)
        has_calls = (
            sfn.Choice(self, "HasToolCalls")
            .when(sfn.Condition.boolean_equals("$.plan.done", True), aggregate)
            .otherwise(self.tool_calls.next(aggregate))
        )
        return plan.next(has_calls)

    def _tool_calls(self) -> sfn.Map:
        """One iteration per planned call: breaker check, the tool, the breaker's record."""
        check = invoke_lambda(
            self,
            "CheckCircuit",
            self.r.steps["CheckCircuit"],
            payload={
                "requestId": sfn.JsonPath.string_at("$.requestId"),
                "toolUseId": sfn.JsonPath.string_at("$.toolUseId"),
                "name": sfn.JsonPath.string_at("$.name"),
                "enteredAt": sfn.JsonPath.string_at("$$.State.EnteredTime"),
            },
            result_path="$.circuit",
        )
        unavailable = sfn.Pass(
            self,
            "CircuitUnavailable",
            parameters=self._entry(
                "error", error="CircuitUnavailable", cause="The breaker could not be read."
            ),
        )
        check.add_catch(unavailable, errors=["States.ALL"], result_path="$.error")
        wait = sfn.Wait(
            self,
            "WaitForCoolDown",
            time=sfn.WaitTime.timestamp_path("$.circuit.waitUntil"),
            comment="The circuit's cool-down ends within maxWaitSeconds: wait, then check again",
        ).next(check)
        skip = sfn.Pass(self, "SkipTool", parameters=self._entry("skipped", reason="circuit open"))
        decide = (
            sfn.Choice(self, "CircuitDecision")
            .when(
                sfn.Condition.or_(
                    sfn.Condition.string_equals("$.circuit.decision", contract.CALL),
                    sfn.Condition.string_equals("$.circuit.decision", contract.PROBE),
                ),
                self._call_tool(),
            )
            .when(sfn.Condition.string_equals("$.circuit.decision", contract.WAIT), wait)
            .otherwise(skip)
        )
        tool_calls = sfn.Map(
            self,
            "ToolCalls",
            items_path="$.plan.calls",
            item_selector={
                "requestId": sfn.JsonPath.string_at("$.request.requestId"),
                "round": sfn.JsonPath.number_at("$.usage.rounds"),
                "toolUseId": sfn.JsonPath.string_at("$$.Map.Item.Value.toolUseId"),
                "name": sfn.JsonPath.string_at("$$.Map.Item.Value.name"),
                "input": sfn.JsonPath.object_at("$$.Map.Item.Value.input"),
            },
            max_concurrency=self.r.settings.max_concurrency,
            result_path="$.results",
            comment="A failing tool becomes an error entry the aggregate step sees, not a failed run",
        ).item_processor(check.next(decide))
        self._record_on_failure(tool_calls)
        return tool_calls

    def _call_tool(self) -> sfn.Choice:
        """A Choice on the tool's name, one Task per enabled tool, and the breaker's record."""
        recorder = self.r.steps["RecordToolOutcome"]
        success = invoke_lambda(
            self,
            "RecordToolSuccess",
            recorder,
            payload=self._outcome_payload("success", result=sfn.JsonPath.object_at("$.result")),
            result_path=sfn.JsonPath.DISCARD,
            output_path="$.result",
            comment="Closes or resets the circuit; the item's output is the tool's result",
        )
        success.add_catch(
            sfn.Pass(self, "SuccessUnrecorded", output_path="$.result"),
            errors=["States.ALL"],
            result_path="$.recordError",
        )
        failure = invoke_lambda(
            self,
            "RecordToolFailure",
            recorder,
            payload=self._outcome_payload("failure", error=sfn.JsonPath.object_at("$.error")),
            comment="Counts the failure (may open the circuit); returns the item's error entry",
        )
        failure.add_catch(
            sfn.Pass(
                self,
                "FailureUnrecorded",
                parameters=self._entry(
                    "error",
                    error=sfn.JsonPath.string_at("$.error.Error"),
                    cause="The breaker was not updated.",
                ),
            ),
            errors=["States.ALL"],
            result_path="$.recordError",
        )
        choice = sfn.Choice(self, "WhichTool")
        for name, function in self.r.tools.items():
            call = invoke_lambda(
                self,
                f"Call{function.node.id}",
                function,
                payload={
                    "requestId": sfn.JsonPath.string_at("$.requestId"),
                    "round": sfn.JsonPath.number_at("$.round"),
                    "toolUseId": sfn.JsonPath.string_at("$.toolUseId"),
                    "name": sfn.JsonPath.string_at("$.name"),
                    "input": sfn.JsonPath.object_at("$.input"),
                },
                result_path="$.result",
            )
            call.add_catch(failure, errors=["States.ALL"], result_path="$.error")
            choice.when(sfn.Condition.string_equals("$.name", name), call.next(success))
        unknown = sfn.Pass(
            self,
            "ToolNotEnabled",
            parameters=self._entry("error", error="ToolNotEnabled", cause="The tool is not enabled here."),
        )
        return choice.otherwise(unknown)

    @staticmethod
    def _entry(status: str, **fields: str) -> dict[str, Any]:
        """A Map item's result entry built by a Pass state."""
        return {
            "toolUseId": sfn.JsonPath.string_at("$.toolUseId"),
            "name": sfn.JsonPath.string_at("$.name"),
            "status": status,
            **fields,
        }

    @staticmethod
    def _outcome_payload(outcome: str, **fields: Any) -> dict[str, Any]:
        return {
            "requestId": sfn.JsonPath.string_at("$.requestId"),
            "toolUseId": sfn.JsonPath.string_at("$.toolUseId"),
            "name": sfn.JsonPath.string_at("$.name"),
            "decision": sfn.JsonPath.string_at("$.circuit.decision"),
            "enteredAt": sfn.JsonPath.string_at("$$.State.EnteredTime"),
            "outcome": outcome,
            **fields,
        }

    # ---- answer: aggregate, guard the draft, approval, revise, publish -------------------------

    def _answer(self) -> sfn.IChainable:
        aggregate = self._model_step(
            "Aggregate", "Tool results go back as toolResult blocks, never as prompt"
        )
        revise = self._model_step(
            "Revise",
            "The reviewer's feedback becomes a user turn (revision + 1)",
            payload={
                "request": sfn.JsonPath.object_at("$.request"),
                "limits": sfn.JsonPath.object_at("$.limits"),
                "usage": sfn.JsonPath.object_at("$.usage"),
                "draft": sfn.JsonPath.object_at("$.draft"),
                "review": sfn.JsonPath.object_at("$.approval"),
                "revision": sfn.JsonPath.math_add(sfn.JsonPath.number_at("$.revision"), 1),
            },
        )
        approval = self._request_approval()
        if self.r.settings.guardrail is not None:
            guard = self._guard("GuardDraft", "OUTPUT", {"draft": sfn.JsonPath.object_at("$.draft")})
            review: sfn.IChainable = guard.next(approval)
        else:
            review = approval
        more_tools = (
            sfn.Choice(self, "MoreTools")
            .when(sfn.Condition.boolean_equals("$.plan.done", False), self.tool_calls)
            .otherwise(review)
        )
        aggregate.next(more_tools)
        revise.next(more_tools)
        approval.next(self._decision(revise))
        return aggregate

    def _model_step(
        self, construct_id: str, comment: str, payload: dict[str, Any] | None = None
    ) -> tasks.LambdaInvoke:
        task = invoke_lambda(
            self, construct_id, self.r.steps["Aggregate"], payload=payload, retry=MODEL_RETRY, comment=comment
        )
        self._record_on_failure(task, contract.BUDGET_EXCEEDED)
        return task

    def _decision(self, revise: sfn.IChainable) -> sfn.Choice:
        rejected = _failure(self, "NoteRejected", contract.REJECTED, OUTCOME_CAUSES[contract.REJECTED])
        unknown = _failure(self, "NoteUnknownDecision", AGENT_FAILED, "The reviewer's decision is unknown.")
        decision = "$.approval.decision"
        return (
            sfn.Choice(self, "Decision")
            .when(sfn.Condition.string_equals(decision, APPROVE), self._publish())
            .when(
                sfn.Condition.and_(
                    sfn.Condition.string_equals(decision, REJECT),
                    sfn.Condition.number_less_than_json_path("$.revision", "$.limits.maxRevisions"),
                ),
                revise,
            )
            .when(sfn.Condition.string_equals(decision, REJECT), rejected.next(self.record_outcome))
            .otherwise(unknown.next(self.record_outcome))
        )

    def _request_approval(self) -> tasks.LambdaInvoke:
        timeout = self.r.settings.approval_timeout_seconds
        task = await_task_token(
            self,
            "RequestApproval",
            self.r.steps["RequestApproval"],
            payload={
                "request": {"requestId": sfn.JsonPath.string_at("$.request.requestId")},
                "draft": sfn.JsonPath.object_at("$.draft"),
            },
            timeout=Duration.seconds(timeout),
            result_path="$.approval",
            comment="Waits for {decision: approve|reject, feedback?} or the timeout",
        )
        timed_out = _failure(
            self,
            "NoteApprovalTimedOut",
            contract.APPROVAL_TIMED_OUT,
            OUTCOME_CAUSES[contract.APPROVAL_TIMED_OUT],
        ).next(self.record_outcome)
        task.add_catch(timed_out, errors=["States.Timeout"], result_path="$.failure")
        task.add_catch(self.record_outcome, errors=["States.ALL"], result_path="$.failure")
        return task

    def _publish(self) -> sfn.IChainable:
        function = self.r.steps["Publish"]
        publish = invoke_lambda(
            self,
            "Publish",
            function,
            retry=None,
            comment="Answer under a new version key, AnswerPublished event, request PUBLISHED; once",
        )
        outlasting_retry([IN_PROGRESS_ERROR], function.timeout.plus(TIMEOUT_MARGIN)).applied_to(publish)
        LAMBDA_RETRY.applied_to(publish)
        self._record_on_failure(publish)
        return publish.next(sfn.Succeed(self, "Published"))

    # ---- outcomes: the report, then a Fail state of the outcome's name --------------------------

    def _record_on_failure(self, state: sfn.TaskStateBase | sfn.Map, *outcomes: str) -> None:
        """Catch the state's business outcomes by name, then everything else, into RecordOutcome."""
        if outcomes:
            state.add_catch(self.record_outcome, errors=list(outcomes), result_path="$.failure")
        state.add_catch(self.record_outcome, errors=["States.ALL"], result_path="$.failure")

    def _outcomes(self) -> sfn.IChainable:
        record = invoke_lambda(
            self,
            "RecordOutcome",
            self.r.steps["RecordOutcome"],
            result_path="$.outcome",
            comment="Partial report (rounds, tool calls, tokens, cost, error) and the request's status",
        )
        outcome = sfn.Choice(self, "Outcome")
        self.ends: dict[str, sfn.Fail] = {}
        for name in BUSINESS_OUTCOMES:
            condition = sfn.Condition.string_equals("$.failure.Error", name)
            if name == contract.INVALID_REQUEST:
                condition = sfn.Condition.or_(
                    condition, sfn.Condition.string_equals("$.failure.Error", INVALID_INPUT)
                )
            self.ends[name] = sfn.Fail(self, name, error=name, cause=OUTCOME_CAUSES[name])
            outcome.when(condition, self.ends[name])
        outcome.otherwise(
            sfn.Fail(
                self,
                AGENT_FAILED,
                error=AGENT_FAILED,
                cause="An unexpected error ended the run (see the execution history); the report is partial.",
            )
        )
        record.add_catch(outcome, errors=["States.ALL"], result_path="$.outcomeFailure")
        return record.next(outcome)
