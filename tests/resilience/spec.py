"""The fixed spec of the fault matrix: what each Task state's failure must do, declared by hand.

Written from each workflow's documented design (docs/<workflow>.md and the README's failure section),
not derived from the synthesized definition: a definition change that alters a route fails the
matrix until the declaration here changes with it, and a Task state with no declaration fails the
suite naming it.

* `DESIGNED`: for a permanent failure (the step fails on every attempt) at each Task state, the
  execution's final status, the state it ends in, its error (`STEP_ERROR`: the step's own error,
  re-raised after compensating; `CAUGHT_ERROR`: for a step of a failure path, the error that started
  that path, not the step's own) and the compensation/recording states the run must enter.
* `RETRIED`: for each Lambda Task state, the errors its handler raises that the state's Retry must
  cover (each becomes a `raised` cell: the real handler raises the class, the run must retry it
  and end as without the fault).

Tables are per workflow, keyed by state machine (`Machine.short_name`) and state path (`Map/Step`).
A visit is seen as the harness sees it: states of the run's own history, and the Lambda-invoking
states of Distributed Map children (their other states leave no trace in the parent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

FAILED, SUCCEEDED = "FAILED", "SUCCEEDED"
STEP_ERROR = "<the step's error>"
# A step on a failure path failing too: the run still fails with the error that started the path.
CAUGHT_ERROR = "<the error that started the failure path>"


@dataclass(frozen=True)
class Designed:
    """The designed end of a permanent failure at one Task state."""

    status: str
    end: str
    error: str | None = None
    visits: tuple[str, ...] = ()

    def describe(self) -> str:
        error = f" {self.error}" if self.error else ""
        through = f" through {', '.join(self.visits)}" if self.visits else ""
        return f"{self.status}{error} in {self.end}{through}"


def fails(end: str, error: str, *visits: str) -> Designed:
    """The run fails in the Fail state `end` with `error`, after entering `visits`."""
    return Designed(FAILED, end, error, visits)


def succeeds(end: str, *visits: str) -> Designed:
    """The run still succeeds (ending in `end`), the failure recorded in `visits`."""
    return Designed(SUCCEEDED, end, None, visits)


Table = Mapping[str, Mapping[str, Designed]]
Retried = Mapping[str, Mapping[str, tuple[str, ...]]]


# ---- permanent failure at each Task state -----------------------------------------------------------

# agent (docs/agent.md, "Failure behaviour"). Every business outcome and every unexpected error
# goes through RecordOutcome (the partial report, the request's final status) into a Fail state of the
# outcome's name; an unexpected step error is `AgentFailed`. A tool call failing becomes an error entry
# (RecordToolFailure counts it on the breaker) and the run carries on to an answer; the breaker not
# being read or updated is recorded in the item the same way.
_AGENT_FAILED = fails("AgentFailed", "AgentFailed", "RecordOutcome")
_TOOL_FAILED = succeeds("Published", "RecordToolFailure", "Aggregate")
AGENT: Table = {
    "Workflow": {
        "Validate": fails("AgentFailed", "AgentFailed", "NoteRefusal", "RecordOutcome"),
        "Plan": _AGENT_FAILED,
        "ToolCalls/CheckCircuit": succeeds("Published", "CircuitUnavailable", "Aggregate"),
        "ToolCalls/CallSearchKnowledgeBase": _TOOL_FAILED,
        "ToolCalls/CallLookupOrder": _TOOL_FAILED,
        "ToolCalls/CallFetchUrl": _TOOL_FAILED,
        "ToolCalls/CallCalculator": _TOOL_FAILED,
        "ToolCalls/RecordToolSuccess": succeeds("Published", "SuccessUnrecorded", "Aggregate"),
        "ToolCalls/RecordToolFailure": succeeds("Published", "FailureUnrecorded", "Aggregate"),
        "Aggregate": _AGENT_FAILED,
        "Revise": _AGENT_FAILED,
        "RequestApproval": _AGENT_FAILED,
        "Publish": _AGENT_FAILED,
        # Reached on a failure path only (the matrix takes the approval-timeout sample): the outcome's
        # Fail state is still entered, the Choice reading the caught failure; the report is missing.
        "RecordOutcome": fails("ApprovalTimedOut", "ApprovalTimedOut", "Outcome"),
    },
}


# cv (docs/cv.md). Labeling: any step failing returns the run's frames to AWAITING_LABELS, announces
# LabelingJobFailed and fails with it; a lost completion event ends in NotificationFailed (labels
# kept); returning the frames failing ends in FramesNotReturned. Preparation: a camera's failure is
# recorded for that camera (`CameraFailed`, counted in `errors`; the stitch's error also on the camera
# as `lastError`) and the run carries on to the manifest for the others; the registry read or the
# manifest write failing fails the run with its named error.
_LABELING_FAILED = fails(
    "LabelingRunFailed", "LabelingJobFailed", "ReturnFramesToAwaiting", "NotifyLabelingJobFailed"
)
_CAMERA_FAILED = succeeds("PreparationSummary", "CameraFailed", "AppendManifest")
CV: Table = {
    "GroundTruthLabeling/Workflow": {
        "SelectFrames": _LABELING_FAILED,
        "WriteManifest": _LABELING_FAILED,
        "CreateLabelingJob": _LABELING_FAILED,
        "PostProcess": _LABELING_FAILED,
        "NotifyLabelingJobCompleted": fails("NotificationFailed", "NotificationFailed"),
        "ReturnFramesToAwaiting": fails("ReleaseFailed", "FramesNotReturned"),
        "NotifyLabelingJobFailed": fails("LabelingRunFailed", "LabelingJobFailed", "ReturnFramesToAwaiting"),
    },
    "TapeLabelingPreparation/Workflow": {
        "FindNewCameras": fails("FindCamerasFailed", "FindCamerasFailed"),
        "PrepareCameras/StitchComposite": succeeds(
            "PreparationSummary", "RecordCameraError", "CameraFailed", "AppendManifest"
        ),
        "PrepareCameras/MarkCameraReady": _CAMERA_FAILED,
        "PrepareCameras/MarkCameraRetry": _CAMERA_FAILED,
        "PrepareCameras/RecordCameraError": _CAMERA_FAILED,
        "AppendManifest": fails("AppendManifestFailed", "AppendManifestFailed"),
    },
}


# orders (docs/orders.md, "Failure behaviour"). Before anything is reserved: `OrderNotAccepted` (the
# personal data RecordReserving's failure leaves is forgotten first). After: compensations in reverse
# from the step after the last one that may have acted (cancel shipment, refund, release stock), the
# order marked FAILED, and the execution fails in `Failed` with the step's own error. A compensation,
# settling the stock or recording COMPLETED failing parks the order (message, NEEDS_ATTENTION, metric),
# which then waits for an operator (AwaitOperator); the samples answer nobody, so the wait times out
# (RecordLeftParked) and the run fails with `OrderNeedsAttention`; each parking step is best effort.
_RELEASE = ("RecordReleasing", "ReleaseItem", "RecordFailed")
_REFUND = ("RecordRefunding", "RefundPayment", *_RELEASE)
_CANCEL = ("RecordCancelling", "CancelShipment", *_REFUND)
_PARKING = ("ParkOrder", "RecordNeedsAttention", "CountParkedOrder", "AwaitOperator", "RecordLeftParked")


def _parked_without(step: str) -> Designed:
    """Parking with `step` failing: the other parking steps stand in for it."""
    return fails("NeedsAttention", "OrderNeedsAttention", *(s for s in _PARKING if s != step))


_PARKED = fails("NeedsAttention", "OrderNeedsAttention", *_PARKING)
ORDERS: Table = {
    "Workflow": {
        "Validate": fails("OrderNotAccepted", "OrderNotAccepted"),
        "RecordReserving": fails("OrderNotAccepted", "OrderNotAccepted", "ForgetPersonalData"),
        "ForgetPersonalData": fails("OrderNotAccepted", "OrderNotAccepted"),
        # A reservation whose outcome is unknown is recorded per item, then every line is released.
        "ReserveInventory/ReserveItem": fails("Failed", "ReservationFailed", "ReservationUnknown", *_RELEASE),
        "ReserveInventory/ConfirmReservation": fails(
            "Failed", "ReservationFailed", "ReservationUnknown", *_RELEASE
        ),
        "RequestApproval": fails("Failed", STEP_ERROR, *_RELEASE),
        "RecordCharging": fails("Failed", STEP_ERROR, *_RELEASE),
        "ChargePayment": fails("Failed", STEP_ERROR, *_REFUND),
        "RecordShipping": fails("Failed", STEP_ERROR, *_REFUND),
        "CreateShipment": fails("Failed", STEP_ERROR, *_CANCEL),
        "Notify/PublishConfirmation": fails("Failed", STEP_ERROR, *_CANCEL),
        "Notify/PublishOrderCompleted": fails("Failed", STEP_ERROR, *_CANCEL),
        "SettleInventory/SettleItem": _PARKED,
        "RecordCompleted": _PARKED,
        "RecordCancelling": _PARKED,
        "CancelShipment": _PARKED,
        "RecordRefunding": _PARKED,
        "RefundPayment": _PARKED,
        "RecordReleasing": _PARKED,
        "ReleaseInventory/ReleaseItem": _PARKED,
        "RecordFailed": _PARKED,
        "RecordRejected": _PARKED,
        # Parking's own steps: the others stand in for the one failing.
        **{step: _parked_without(step) for step in _PARKING},
    },
}


# rag (docs/rag.md, "Failure behaviour"). A document's step failing: RecordFailure (the new version's
# vectors deleted, the previous version kept, `failed` in the registry and the report); the run
# succeeds if any document was ingested or unchanged, else it announces the outcome and fails with
# AllDocumentsFailed (each scenario here fails its only new version). Planning or the report failing:
# the outcome is announced and the run fails with IngestionRunFailed; an undelivered announcement
# ends in EventNotDelivered. The sweep failing does not stop the run.
_DOCUMENT_FAILED = fails(
    "AllDocumentsFailed", "AllDocumentsFailed", "RecordFailure", "Report", "AnnounceCompletion"
)
RAG: Table = {
    "Workflow": {
        "Plan": fails("RunFailed", "IngestionRunFailed", "PlanFailed", "AnnounceCompletion"),
        "Sweep": succeeds("RunComplete", "IngestDocuments", "Report", "AnnounceCompletion"),
        "IngestDocuments/IngestBatch/Fetch": _DOCUMENT_FAILED,
        "IngestDocuments/IngestBatch/Parse": _DOCUMENT_FAILED,
        "IngestDocuments/IngestBatch/Chunk": _DOCUMENT_FAILED,
        "IngestDocuments/IngestBatch/Embed": _DOCUMENT_FAILED,
        "IngestDocuments/IngestBatch/Upsert": _DOCUMENT_FAILED,
        "IngestDocuments/IngestBatch/Validate": _DOCUMENT_FAILED,
        "IngestDocuments/IngestBatch/Commit": _DOCUMENT_FAILED,
        "IngestDocuments/IngestBatch/RemoveDocument": _DOCUMENT_FAILED,
        # Recording the outcome line failing: the batch reports the document failed with that error.
        "IngestDocuments/IngestBatch/RecordOutcome": fails(
            "AllDocumentsFailed", "AllDocumentsFailed", "Report", "AnnounceCompletion"
        ),
        # Reached when another document of the run fails at a step while one is ingested.
        "IngestDocuments/IngestBatch/RecordFailure": succeeds("RunComplete", "DiscardVersion", "Report"),
        # Reached when the document's failure could not be recorded either (RecordFailure failing).
        "IngestDocuments/IngestBatch/DiscardVersion": fails(
            "AllDocumentsFailed", "AllDocumentsFailed", "Report", "AnnounceCompletion"
        ),
        "Report": fails("RunFailed", "IngestionRunFailed", "ReportUnavailable", "AnnounceCompletion"),
        "AnnounceCompletion": fails("EventNotDelivered", "EventNotDelivered"),
    },
}

# tenants (docs/tenants.md). Before the claim: RequestRejected / RegistryUnavailable, nothing
# created. After it: an account that exists is quarantined, the tenant marked FAILED and
# TenantProvisioningFailed published, failing with the step's error. After activation a lost
# notification ends in NotificationFailed. A failure-path step failing still marks and announces,
# and the run fails with the error that started the path.
_REPORTED = ("MarkTenantFailed", "PublishTenantProvisioningFailed")
_QUARANTINED = fails("ProvisioningFailed", STEP_ERROR, "QuarantineAccount", *_REPORTED)
_NO_ACCOUNT = fails("ProvisioningFailed", STEP_ERROR, *_REPORTED)
TENANTS: Table = {
    "Provisioning": {
        "ValidateRequest": fails("RequestRejected", STEP_ERROR),
        "ClaimTenant": fails("RegistryUnavailable", STEP_ERROR),
        "LoadExistingTenant": fails("RegistryUnavailable", STEP_ERROR),
        "CreateAccount": _NO_ACCOUNT,
        "ReconcileAccount": _NO_ACCOUNT,
        "ReadFailureReason": _NO_ACCOUNT,
        "RecordAccountRequest": _QUARANTINED,
        "GetAccountStatus": _QUARANTINED,
        "ReadAccountId": _QUARANTINED,
        "RecordAccount": _QUARANTINED,
        "FindAccountParent": _QUARANTINED,
        "MoveAccount": _QUARANTINED,
        "ApplyBaseline/CreateStackInstances": _QUARANTINED,
        "ApplyBaseline/GetStackSetOperation": _QUARANTINED,
        "ApplyBaseline/ReadStackSetOperationResults": _QUARANTINED,
        "ActivateTenant": _QUARANTINED,
        "PublishTenantProvisioned": fails("ProvisionedButNotNotified", "NotificationFailed"),
        "NotifyTenantProvisioned": fails("ProvisionedButNotNotified", "NotificationFailed"),
        "QuarantineAccount": fails("ProvisioningFailed", CAUGHT_ERROR, "QuarantineFailed", *_REPORTED),
        "FindQuarantineSource": fails("ProvisioningFailed", CAUGHT_ERROR, "QuarantineFailed", *_REPORTED),
        "ResolveAccountId": fails("ProvisioningFailed", CAUGHT_ERROR, "AccountUnknown", *_REPORTED),
        "LocateAccount": fails("ProvisioningFailed", CAUGHT_ERROR, "AccountUnknown", *_REPORTED),
        "MarkTenantFailed": fails(
            "ProvisioningFailed",
            CAUGHT_ERROR,
            "PublishTenantProvisioningFailed",
            "NotifyTenantProvisioningFailed",
        ),
        "PublishTenantProvisioningFailed": fails(
            "ProvisioningFailed", CAUGHT_ERROR, "MarkTenantFailed", "NotifyTenantProvisioningFailed"
        ),
        "NotifyTenantProvisioningFailed": fails("ProvisioningFailed", CAUGHT_ERROR, *_REPORTED),
    },
}

DESIGNED: MappingProxyType[str, Table] = MappingProxyType(
    {"agent": AGENT, "cv": CV, "orders": ORDERS, "rag": RAG, "tenants": TENANTS}
)


def designed(workflow: str, machine: str, state: str) -> Designed | None:
    """The declared outcome of a permanent failure at `state`, or None when none is declared."""
    return DESIGNED.get(workflow, {}).get(machine, {}).get(state)


# ---- handler errors each Lambda state's Retry must cover (`raised` cells) --------------------------
# From the documented transient errors (docs/<workflow>.md, README "Transient errors"). A Retry-listed
# error class of the handler's code missing here fails `test_spec.py`; so does a declared name the
# handler's code does not define.

RETRIED: MappingProxyType[str, Retried] = MappingProxyType(
    {
        "agent": {
            "Workflow": {
                "Plan": ("ModelUnavailable",),
                "Aggregate": ("ModelUnavailable",),
                "Revise": ("ModelUnavailable",),
            },
        },
        "cv": {},
        "orders": {
            "Workflow": {
                "Validate": (
                    "PersonalDataUnavailable",
                    "CatalogUnavailable",
                    "SpendRecordUnavailable",
                    "PaymentProviderUnavailable",
                ),
                "ChargePayment": ("PaymentProviderUnavailable",),
                "CreateShipment": ("ShipmentStoreUnavailable",),
                # Compensations retry every error but the final ones (docs/orders.md).
                "RefundPayment": ("PaymentProviderUnavailable",),
                "CancelShipment": ("ShipmentStoreUnavailable",),
            },
        },
        "rag": {
            "Workflow": {
                "IngestDocuments/IngestBatch/Fetch": ("FetchTimeout", "SourceUnavailable"),
                "IngestDocuments/IngestBatch/Embed": ("EmbeddingThrottled", "ModelUnavailable"),
                "IngestDocuments/IngestBatch/Upsert": ("VectorStoreBusy",),
                "IngestDocuments/IngestBatch/Validate": ("VectorStoreBusy", "ValidationMismatch"),
                "IngestDocuments/IngestBatch/Commit": ("VectorStoreBusy",),
                "IngestDocuments/IngestBatch/RecordFailure": ("VectorStoreBusy",),
                "IngestDocuments/IngestBatch/RemoveDocument": ("VectorStoreBusy",),
                "IngestDocuments/IngestBatch/DiscardVersion": ("VectorStoreBusy",),
            },
        },
        "tenants": {
            "Provisioning": {
                "ReconcileAccount": ("AccountRequestUnconfirmed", "AccountRequestPending"),
            },
        },
    }
)


def retried(workflow: str, machine: str, state: str) -> tuple[str, ...]:
    """The handler errors declared retried at `state` (empty for a state with none)."""
    return tuple(RETRIED.get(workflow, {}).get(machine, {}).get(state, ()))
