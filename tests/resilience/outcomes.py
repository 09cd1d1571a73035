"""The reviewed definition of what each workflow must do under faults, bad input and duplicates.

With `spec.py` beside it, this is where a reviewer reads what the resilience suite accepts. Nothing
here lists Task states one by one: the fault matrix's cells are generated from the synthesized
definitions and judged by the rules below; `spec.py` declares, per Task state, the designed outcome
of its permanent failure and the handler errors its Retry must cover (a fixed spec, not derived
from the definitions).

Judging a cell (`tests/resilience/harness.py` applies these rules):

* **Transient** (one throttling error of the task's service, injected once): the run must end
  exactly as the same scenario without the fault (status, error, terminal state), the failed
  attempt must have been retried (not caught), and the workflow's invariants must hold.
* **Raised** (a handler error class declared in `spec.RETRIED`, raised once by the real handler)
  and **listed** (another error the state's Retry lists, injected once at the state): judged like
  transient; a raised cell also requires the invocation's `errorType` to be the declared name.
* **Permanent** (the fault on every attempt): the run must end exactly as `spec.DESIGNED` declares
  for the state (status, end state, error, states entered), and in the workflow's designed failure
  outcome, which is one of
  - FAILED in a `Fail` state of the definition whose literal `Error` names the failure;
  - FAILED in a `Fail` state that re-raises the caught error (`ErrorPath`), only if the workflow
    sets `reraises_after_compensation` (it compensates first, then names the step's error);
  - SUCCEEDED with the failure recorded per item (`degraded`, e.g. one document of a run failed);
  - a state listed in `TOLERATED` with a reason (its permanent failure is accepted as is).
  Never: an error escaping from a Task/Map/Parallel state (no Fail state reached), a
  `States.Runtime`/`States.TaskFailed` end, a timeout, or a broken invariant.
* **Ambiguous** (the call takes effect, then its answer is lost with the service's 5xx error, once):
  like transient, the run must end as without the fault with the invariants holding (the effect is
  single); the failed attempt must have been retried, or, for a state listed in `RECONCILED`,
  caught into its reconciling state (a call that must not be repeated blindly, such as a create
  without an idempotency token, is followed by a state that finds what it did).
* **Invariants** are checked after every cell (all kinds): see `Invariants` per workflow.
  When the step that records or undoes a failure is itself the one failing (a second fault on top
  of the one that started compensation), the designed outcome is a named error with the half-done
  work findable by an operator; each workflow's invariant says where.
* **Double faults** (`doubles.py`): for each Task A, every Task B on the route A's permanent failure
  takes (from its catch-all catcher along the normal flow) fails permanently too. The pair is judged
  as B's permanent cell (B's failure decides where the run ends) with the invariants checked; a B
  the run does not enter (a Choice on the failure path sends A's error elsewhere) is `off-route`.
  Known broken pairs are listed in `DOUBLE_FAULT_GAPS` (strict xfail, with the owner).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# ---- which faults -------------------------------------------------------------------------------

# The throttling error each integration reports, keyed by the service in the task's Resource
# (`arn:aws:states:::<service>:<action>`, `arn:aws:states:::aws-sdk:<service>:<action>`, or a bare
# Lambda ARN). Names follow Step Functions' rule for service errors: `<Service>.<Error>` in
# PascalCase, with the `Exception` suffix added when the service's own name lacks it
# (docs: "AWS SDK service integrations", error names). The modeled throttling exception is used
# where the service has one; otherwise the `Throttling` code the service returns.
THROTTLING_ERRORS: MappingProxyType[str, str] = MappingProxyType(
    {
        "lambda": "Lambda.TooManyRequestsException",
        "dynamodb": "DynamoDB.ProvisionedThroughputExceededException",
        "sns": "SNS.ThrottledException",
        "sqs": "SQS.RequestThrottledException",
        "events": "EventBridge.ThrottlingException",
        "organizations": "Organizations.TooManyRequestsException",
        "cloudformation": "CloudFormation.ThrottlingException",
        "cloudwatch": "CloudWatch.ThrottlingException",
        "s3": "S3.SlowDownException",
        "sagemaker": "SageMaker.ThrottlingException",
    }
)
# Step Functions' error prefix per service key (optimized integrations use these names).
SERVICE_PREFIXES: MappingProxyType[str, str] = MappingProxyType(
    {
        "events": "EventBridge",
        "sagemaker": "SageMaker",
        "cloudwatch": "CloudWatch",
        "cloudformation": "CloudFormation",
    }
)
# The ambiguous fault: the call takes effect, then its response is lost and the task sees a server
# fault. Step Functions reports the service's modeled 5xx error where it has one (Lambda
# `ServiceException`, DynamoDB `InternalServerError`, SNS `InternalError`, EventBridge
# `InternalException`, CloudWatch `InternalServiceFault`, Organizations `ServiceException`), named by
# the same rule as above; other services answer the 503 `ServiceUnavailable` every AWS API may return.
AMBIGUOUS_ERRORS: MappingProxyType[str, str] = MappingProxyType(
    {
        "lambda": "Lambda.ServiceException",
        "dynamodb": "DynamoDB.InternalServerErrorException",
        "sns": "SNS.InternalErrorException",
        "events": "EventBridge.InternalException",
        "cloudwatch": "CloudWatch.InternalServiceFaultException",
        "organizations": "Organizations.ServiceException",
    }
)

# The permanent fault: an unexpected handler exception for a Lambda task (what a bug raises);
# for a service integration, AccessDenied (a missing grant or a disabled key: retrying cannot help).
PERMANENT_LAMBDA_ERROR = "RuntimeError"
PERMANENT_SERVICE_ERROR = "AccessDeniedException"

# Ends that are never a designed outcome, whatever the workflow says.
UNHANDLED_ERRORS = frozenset({"States.Runtime", "States.TaskFailed"})

_SDK = re.compile(r"^arn:aws[\w-]*:states:::aws-sdk:(?P<service>[\w-]+):")
_OPTIMIZED = re.compile(r"^arn:aws[\w-]*:states:::(?P<service>[\w-]+):")
_FUNCTION = re.compile(r"^arn:aws[\w-]*:lambda:")


def service_of(resource: str) -> str:
    """The integration's service key: `lambda`, `dynamodb`, `organizations`, ..."""
    for pattern in (_SDK, _OPTIMIZED):
        match = pattern.match(resource)
        if match:
            return match.group("service").lower()
    if _FUNCTION.match(resource):
        return "lambda"
    raise ValueError(f"unrecognised Task Resource {resource!r}")


def transient_error(resource: str) -> str:
    service = service_of(resource)
    if service not in THROTTLING_ERRORS:
        raise KeyError(
            f"no throttling error known for service {service!r} ({resource}): add the name AWS reports "
            "to THROTTLING_ERRORS in tests/resilience/outcomes.py"
        )
    return THROTTLING_ERRORS[service]


def ambiguous_error(resource: str) -> str:
    service = service_of(resource)
    if service in AMBIGUOUS_ERRORS:
        return AMBIGUOUS_ERRORS[service]
    return f"{_error_prefix(service)}.ServiceUnavailableException"


def _error_prefix(service: str) -> str:
    return SERVICE_PREFIXES.get(service, THROTTLING_ERRORS.get(service, service).split(".")[0])


def permanent_error(resource: str) -> str:
    service = service_of(resource)
    if service == "lambda":
        return PERMANENT_LAMBDA_ERROR
    return f"{_error_prefix(service)}.{PERMANENT_SERVICE_ERROR}"


# ---- what each workflow promises -----------------------------------------------------------------


@dataclass(frozen=True)
class WorkflowPolicy:
    """The designed behaviour of one workflow under failure, as the README states it."""

    workflow: str
    # The sample whose run is "the happy path", per state machine (construct path or None).
    happy_paths: MappingProxyType[str | None, str]
    # Bad input: the errors the workflow fails with when its input is refused (nothing written).
    validation_errors: frozenset[str]
    # Duplicates: how the second start of the same business key ends (outcome summaries' prefixes).
    duplicate_ends: frozenset[str]
    # Permanent failures: may a Fail state re-raise the caught step error after compensating?
    reraises_after_compensation: bool
    # Permanent failures: does a per-item failure end the run SUCCEEDED with the item recorded?
    degraded_success: str | None
    # One line per kind of failure, for the README (rendered by failure_doc.py).
    transient: str
    ambiguous: str
    permanent: str
    compensation_failure: str
    bad_input: str
    duplicate: str
    invariants: tuple[str, ...]
    extra: MappingProxyType[str, Any] = field(default_factory=lambda: MappingProxyType({}))


POLICIES: MappingProxyType[str, WorkflowPolicy] = MappingProxyType(
    {
        "agent": WorkflowPolicy(
            workflow="agent",
            happy_paths=MappingProxyType({None: "parallel-tools"}),
            validation_errors=frozenset({"InvalidRequest"}),
            duplicate_ends=frozenset({"SUCCEEDED in AlreadyPublished"}),
            reraises_after_compensation=False,
            degraded_success=(
                "a tool call that fails (or whose circuit could not be read or updated) becomes an error "
                "entry the answer step sees as an `error` toolResult; the run still drafts, is approved "
                "and publishes, with the failure in the tool results and on the breaker"
            ),
            transient=(
                "Lambda service errors and `ModelUnavailable` (Bedrock throttling, timeouts, 5xx after "
                "the SDK's own retries) are retried with backoff; a tool's throttling is retried by its "
                "own state, and one that keeps failing is recorded on its circuit breaker."
            ),
            ambiguous=(
                "A lost response is retried: Plan asks the model again from the task (the run's usage "
                "counts the call it used; Bedrock also bills the lost one), Aggregate and Revise find "
                "their answer (or the model's next round of calls) already in the stored conversation "
                "and do not call the model again, tools write their result to their own key, the "
                "breaker's updates are conditional, and Publish is idempotent per `requestId` (one "
                "answer version, one `AnswerPublished`)."
            ),
            permanent=(
                "Every business outcome (`InvalidPlan`, `BudgetExceeded`, `GuardrailBlocked`, `Rejected`, "
                "`ApprovalTimedOut`) and every unexpected step error goes through `RecordOutcome` (the "
                "partial report with rounds, tool calls, tokens and cost; the request's final status) and "
                "ends in a Fail state of its name, `AgentFailed` for an unexpected error (paged by the "
                "failure alarm). A failing tool does not fail the run: it is an `error` result the answer "
                "step sees."
            ),
            compensation_failure=(
                "`RecordOutcome` failing still ends in the outcome's Fail state (the Choice reads the "
                "caught error); the request's item keeps its last status and the failed execution is the "
                "record. The breaker failing to record a tool's outcome leaves the tool's entry as it was."
            ),
            bad_input=(
                "`Validate` refuses anything but `{requestId, task, requester, tools?, budget?}` within "
                "the configured limits (an unknown or disabled tool, a budget above a limit, wrong types, "
                "unknown fields, oversized strings) with `InvalidRequest` naming the field, before the "
                "requestId is claimed: nothing is written."
            ),
            duplicate=(
                "A requestId is claimed once (conditional put): a second start of a published request "
                "ends `AlreadyPublished` (succeeded, nothing published twice); one still running under "
                "another execution ends `DuplicateRequest` and changes nothing."
            ),
            invariants=(
                "every request the run claimed ends `PUBLISHED` with exactly one answer version, or with "
                "the outcome's name and its report (unless recording the outcome failed)",
                "no answer is published for a request that is not `PUBLISHED`",
                "no Bedrock request broke the run's script",
            ),
        ),
        "cv": WorkflowPolicy(
            workflow="cv",
            happy_paths=MappingProxyType(
                {
                    "Workflow/GroundTruthLabeling/Workflow": "labeling-completed",
                    "Workflow/TapeLabelingPreparation/Workflow": "preparation-new-cameras",
                }
            ),
            validation_errors=frozenset({"UnknownTaskType", "InvalidInput"}),
            duplicate_ends=frozenset({"SUCCEEDED NothingToLabel", "SUCCEEDED ready="}),
            reraises_after_compensation=False,
            degraded_success=(
                "preparation: a camera whose composite or registry update fails is recorded as an error "
                "(it stays pending with `lastError`) and the run succeeds with `errors` counted"
            ),
            transient=(
                "Lambda throttling and service errors, EventBridge/DynamoDB/SageMaker throttling are "
                "retried with full-jitter backoff; the run ends as without the fault."
            ),
            ambiguous=(
                "A lost response is retried like a transient error, and each step's effect is safe to "
                "repeat: frame and camera updates are conditional writes keyed on the job or the camera, "
                "manifests and composites overwrite their own S3 keys. A repeated event can be delivered "
                "twice (EventBridge is at least once): consumers dedupe on the job name."
            ),
            permanent=(
                "Labeling: any step failing sends the run's frames back to `AWAITING_LABELS`, announces "
                "`LabelingJobFailed` and fails with `LabelingJobFailed`; a failed completion event ends in "
                "`NotificationFailed` (labels kept). Preparation: a camera's failure is recorded on the "
                "camera and the run continues; reading the registry or writing the manifest fails the run "
                "with `FindCamerasFailed` / `AppendManifestFailed`."
            ),
            compensation_failure=(
                "Returning the frames fails: `FramesNotReturned`; the frames stay `LABELING` with their "
                "`labelingJob`, found through the job index."
            ),
            bad_input=(
                "Labeling: a missing or unknown `taskType` fails with `UnknownTaskType`, any other field "
                "with `InvalidInput`; preparation takes no input (`{}`), anything else fails with "
                "`InvalidInput`. Nothing is claimed or written."
            ),
            duplicate=(
                "A second labeling run claims only frames still awaiting labels (none once the first run "
                "took them: `NothingToLabel`); a second preparation run leaves cameras the first made ready "
                "alone (only cameras left to retry are tried again, by design)."
            ),
            invariants=(
                "every frame is `AWAITING_LABELS` or `LABELED` (or `LABELING` with its job after "
                "`FramesNotReturned`)",
                "no camera is lost: each is ready, or still pending preparation",
            ),
        ),
        "orders": WorkflowPolicy(
            workflow="orders",
            happy_paths=MappingProxyType({None: "happy-path"}),
            validation_errors=frozenset(
                {"InvalidOrder", "UnknownSku", "InactiveSku", "PriceChanged", "PaymentMethodNotOwned"}
            ),
            duplicate_ends=frozenset({"FAILED DuplicateOrder"}),
            reraises_after_compensation=True,
            degraded_success=None,
            transient=(
                "Lambda service errors, the payment/shipment providers' named transient errors and "
                "DynamoDB/SNS/EventBridge/SQS/CloudWatch throttling are retried with jittered backoff; "
                "charge, refund and shipment calls are idempotent per order, so a retry never charges twice."
            ),
            ambiguous=(
                "A lost response is retried: charge, refund, shipment and cancellation are idempotent per "
                "order, an attempt still running (`IdempotencyAlreadyInProgressError`) is waited out "
                "beyond the function's timeout, and a refund that finds no charge voids the order so a "
                "charge landing late is refused (`ChargeVoided`) and moves no money. Stock and status "
                "updates are conditional on the order's own reservation and step. A confirmation or "
                "`OrderCompleted` can be delivered twice: consumers dedupe on `orderId`."
            ),
            permanent=(
                "A failure before anything is reserved ends in `OrderNotAccepted` (the personal data "
                "Validate stored is deleted again); after "
                "that the saga compensates in reverse (cancel shipment, refund, release stock), marks the "
                "order `FAILED` (or `REJECTED`) and fails with the step's error (`OrderFailed` for a "
                "`States.*` error)."
            ),
            compensation_failure=(
                "A compensation that keeps failing (or settling the stock, or recording `COMPLETED`, "
                "which is written last) parks the order: SQS message with the order id, step, "
                "error and execution (no state), status `NEEDS_ATTENTION`, `OrdersParked` metric, "
                "then the execution waits (AwaitOperator) up to `parkedTimeoutDays` for the operator: "
                "retry resumes compensating from the recorded step (or settling), give-up or the "
                "timeout ends it with `OrderNeedsAttention`. Each parking step is best effort: if the "
                "message or the mark fails the other one (and AwaitOperator, which marks the order as "
                "it stores the operator's token) records the order; if all fail, the status keeps its "
                "last `IN_PROGRESS`/`COMPENSATING` step (never `COMPLETED`) and the failed execution "
                "(`OrderNeedsAttention`, alarmed) is the record."
            ),
            bad_input=(
                "Schema or business-rule violations (unknown fields at any level included, numeric "
                "strings other than ASCII digits with an optional point, control, bidi and unassigned "
                "characters) fail with `InvalidOrder` naming the field; an SKU the catalog lacks or no "
                "longer sells, a client price other than the catalog's and another customer's (or an "
                "ownerless) payment method fail with `UnknownSku`, `InactiveSku`, `PriceChanged`, "
                "`PaymentMethodNotOwned`; all before anything is written."
            ),
            duplicate=(
                "The execution name is `order-<orderId>`; a second execution for the same order under "
                "another name fails with `DuplicateOrder` before touching stock, money or shipments."
            ),
            invariants=(
                "stock is conserved per SKU and no order holds a reservation unless parked; `sold` is the "
                "COMPLETED orders' quantities plus at most the parked ones'",
                "money is conserved: no net charge for FAILED/REJECTED orders, exactly the total for "
                "COMPLETED ones",
                "every order's status is final (`COMPLETED`, `FAILED`, `REJECTED`, `NEEDS_ATTENTION`) "
                "or the order is parked",
            ),
        ),
        "rag": WorkflowPolicy(
            workflow="rag",
            happy_paths=MappingProxyType({None: "ingest-new-object"}),
            validation_errors=frozenset({"InvalidRequest"}),
            duplicate_ends=frozenset({"SUCCEEDED ingested=0 unchanged=1 failed=0"}),
            reraises_after_compensation=False,
            degraded_success=(
                "a document whose step fails permanently is rolled back and reported `failed` with the "
                "error; the other documents of its batch carry on and the run still succeeds (the "
                "Distributed Map tolerates every child failure) if any document was ingested or "
                "unchanged; otherwise it ends `AllDocumentsFailed`, judged by the same report line"
            ),
            transient=(
                "Lambda service errors, `FetchTimeout`/`SourceUnavailable`, `EmbeddingThrottled`/"
                "`ModelUnavailable`, `VectorStoreBusy` and S3/EventBridge throttling are retried with "
                "backoff; embeddings are checkpointed so a retry only embeds what is missing."
            ),
            ambiguous=(
                "A lost response is retried: vectors are keyed by document and version, the registry "
                "commit is conditional on the version, embeddings are checkpointed and the report and "
                "outcome lines overwrite their own keys, so a repeated step rewrites the same data. "
                "`IngestionCompleted` can be delivered twice: consumers dedupe on the run id."
            ),
            permanent=(
                "A source object found deleted is removed (vectors and registry entry; a prefix run's "
                "Sweep does the same for documents gone from the prefix; a failing Sweep does not stop "
                "the run and pages). "
                "A document's failure goes to `RecordFailure`: its new vectors are deleted, the previous "
                "version keeps serving, the registry says `failed` with the error, the run report "
                "lists it and `DocumentsFailed` pages; the run still succeeds if any document was "
                "ingested or unchanged (or there was none), else it announces `IngestionCompleted` "
                "with `outcome: failed` and fails with `AllDocumentsFailed`. If planning or the report "
                "fails, the run announces `IngestionCompleted` with `outcome: failed` and fails with "
                "`IngestionRunFailed`; an event EventBridge does not take ends in `EventNotDelivered`."
            ),
            compensation_failure=(
                "If recording a document's failure itself fails, `DiscardVersion` still deletes the failed "
                "version's vectors by key (if that fails too, the version stays under the registry's "
                "`pending` and the next run's Sweep deletes it); if recording a failure or outcome fails, "
                "the document is reported failed with that error from its batch's output and the rest of "
                "the batch carries on; "
                "if a whole child execution fails (e.g. the 5-minute Express limit), each of its "
                "documents without a line is reported failed with the child's error."
            ),
            bad_input=(
                "Anything but exactly one of `prefix`, `urls`, `objects` (well-formed, within limits) fails "
                "with `InvalidRequest` before any document is touched."
            ),
            duplicate=(
                "The same document submitted twice is ingested once: the second run finds the registry "
                "version unchanged and skips it (one set of vectors)."
            ),
            invariants=(
                "no orphaned vectors: the index holds exactly the registry's current versions",
                "the registry is consistent (status, version and chunk count match the index)",
                "a document whose new version failed keeps its previous version and vectors",
            ),
        ),
        "tenants": WorkflowPolicy(
            workflow="tenants",
            happy_paths=MappingProxyType({None: "provision-tenant"}),
            validation_errors=frozenset({"InvalidInput"}),
            duplicate_ends=frozenset({"SUCCEEDED created=False"}),
            reraises_after_compensation=True,
            degraded_success=None,
            transient=(
                "Organizations, CloudFormation, DynamoDB, EventBridge and SNS throttling (and Lambda "
                "service errors) are retried with full-jitter backoff; `CreateAccount` only on "
                "throttling and `ConcurrentModificationException`, as it has no idempotency token. A lost "
                "answer (the call took effect): `CreateAccount`'s is reconciled, never retried blindly "
                "(`ReconcileAccount` adopts the request it made, waits while a request of that account "
                "name is still in progress, or requests the account once when none was made); the "
                "registry's conditional writes accept their own applied effect; StackSet operations "
                "carry an idempotent `OperationId`; a repeated move finds the account already in place."
            ),
            ambiguous=(
                "A lost response is retried where repeating is safe: registry writes are conditional on "
                "this execution's claim, StackSet instances are created with an operation id, reads are "
                "repeated. Notifications and events can be delivered twice: consumers dedupe on "
                "`tenantId`."
            ),
            permanent=(
                "A failure after the claim quarantines an existing account, marks the tenant `FAILED` "
                "with step, error and cause, publishes `TenantProvisioningFailed` and fails with the named "
                "error or the step's error (an e-mail that already has an account: `EmailAlreadyExists`, "
                "or `EmailBelongsToAnotherAccount` when reconciling finds it). Before the claim: "
                "`RegistryUnavailable`/`RequestRejected`, nothing created. After activation, a lost "
                "notification ends in `NotificationFailed`."
            ),
            compensation_failure=(
                "Quarantine failing still marks the tenant `FAILED` (`QUARANTINE_FAILED`), as does a "
                "`CreateAccount` whose lost answer could not be reconciled (an account tagged "
                "`stepwise:tenant` may exist; `AccountRequestPending` names the requests still in "
                "progress); marking or announcing failing still ends in the named error, with the failure "
                "event (or, when it fails too, the SNS notification) carrying step, error and quarantine."
            ),
            bad_input=(
                "`ValidateRequest` refuses the request with `InvalidInput` naming every problem; nothing "
                "is claimed."
            ),
            duplicate=(
                "A tenant id is claimed once (conditional put): a second request returns the existing "
                "record with `created: false` and creates no account."
            ),
            invariants=(
                "no account is left in the organization's root",
                "one account per tenant",
                "a failed tenant is `FAILED` with its step and error (or the failure event or "
                "notification says why)",
            ),
        ),
    }
)

# Cells localrun cannot judge faithfully, each with the gap (reported to localrun's owner). Such a cell
# must still end without an escaped error and with the invariants holding; only the missing
# emulation is excused. Key: `<workflow>/<state path>:<fault kind>`. An entry whose cell is judged
# designed without it is stale and fails the suite (remove it once localrun closes the gap).
LOCALRUN_GAPS: MappingProxyType[str, str] = MappingProxyType({})

# Task states whose lost answer is not retried but reconciled: the ambiguous error is caught into the
# named state (through Pass states only), which finds the effect the call had (or makes it once) and
# carries on. Key:
# `<workflow>/<state path>`; value: (the reconciling state, why the call cannot simply be retried).
RECONCILED: MappingProxyType[str, tuple[str, str]] = MappingProxyType(
    {
        "tenants/CreateAccount": (
            "ReconcileAccount",
            "CreateAccount has no idempotency token: a repeated request for an accepted one fails "
            "(EMAIL_ALREADY_EXISTS) and strands the first account, so the request it made is looked up "
            "and adopted (or made once, when it made none)",
        ),
    }
)

# Double-fault pairs (`tests/resilience/doubles.py`) known to break a workflow's invariant, each with
# the finding and who owns the fix; the test is a strict xfail, so a fixed pair fails until its entry
# is removed. Key: the pair id `<workflow>:<machine>:<A path>+<B path>`; stale keys fail the suite.
# Orders: B runs before A on every path but one, the operator's retry of a parked order
# (AwaitOperator -> ResumeCompensation goes back to the recorded step), which no sample answers (a
# sample's answer repeats for every token: a retry would loop under a permanent fault). The retry
# path is run by tests/workflows/orders/test_parked_orders.py. Owner: orders.
_ORDERS_RESUMED_ONLY = (
    "not reachable without an operator's retry (B precedes A otherwise); the resumed path is tested "
    "in tests/workflows/orders/test_parked_orders.py"
)
DOUBLE_FAULT_GAPS: MappingProxyType[str, str] = MappingProxyType(
    {
        "orders:Workflow:RefundPayment+RecordRefunding": _ORDERS_RESUMED_ONLY,
        "orders:Workflow:CancelShipment+RecordCancelling": _ORDERS_RESUMED_ONLY,
        "orders:Workflow:ReleaseInventory/ReleaseItem+RecordReleasing": _ORDERS_RESUMED_ONLY,
        "orders:Workflow:RecordCompleted+SettleInventory/SettleItem": _ORDERS_RESUMED_ONLY,
        "orders:Workflow:RecordFailed+RecordReleasing": _ORDERS_RESUMED_ONLY,
        "orders:Workflow:RecordFailed+ReleaseInventory/ReleaseItem": _ORDERS_RESUMED_ONLY,
        "orders:Workflow:RecordRejected+RecordReleasing": _ORDERS_RESUMED_ONLY,
        "orders:Workflow:RecordRejected+ReleaseInventory/ReleaseItem": _ORDERS_RESUMED_ONLY,
    }
)

# Task states whose permanent failure is accepted as is (the outcome may differ from the designed
# failure outcome). Key: `<workflow>/<state path>`; every entry needs a reason a reviewer can check.
# Stale entries (no such Task state) fail the suite.
TOLERATED: MappingProxyType[str, str] = MappingProxyType(
    {
        "agent/ToolCalls/RecordToolSuccess": (
            "the breaker's record of a successful call: if it cannot be written the tool's result is "
            "still used (SuccessUnrecorded) and the run publishes; the circuit keeps its earlier "
            "failure count until the next recorded outcome (at worst it opens early and a probe closes it), "
            "and the function's errors show on the workflow dashboard"
        ),
        "rag/Sweep": (
            "the sweep is clean-up before the documents run: if it fails they are still ingested and "
            "the next run sweeps again, and `SweepFailedAlarm` pages on the Sweep function's errors; "
            "nothing is lost"
        ),
        "rag/IngestDocuments/IngestBatch/DiscardVersion": (
            "the third failure in a row (a document step, RecordFailure, then DiscardVersion): the "
            "failed version stays recorded under the registry's `pending` and the next run's Sweep "
            "deletes its vectors; the document is reported failed with RecordFailure's error"
        ),
    }
)
