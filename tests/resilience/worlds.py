"""Each workflow's data inside its harness: reset, seed, invariants and outcome summaries.

The invariants are the workflows' own (docs/<wf>.md) and reuse the workflow tests' helpers:
`tests.support.worlds.orders.OrdersWorld` (stock and money), `tests.support.worlds.rag.RagWorld`
(buckets, registry, index) and `scripts.tenants.local` (organization, StackSets).
"""

from __future__ import annotations

import base64
import json
import threading
import traceback
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from localrun import Fault, RunResult
from localrun.emulation.converse import BedrockScript, Turn
from localrun.samples import Sample
from scripts.orders.submit import execution_name
from scripts.tenants.local import Organization, ensure_organization
from tests.resilience.harness import Harness, Observation, Scenario, Verdict
from tests.resilience.matrix import PERMANENT, Cell
from tests.support.worlds.orders import FINAL_STATUSES, OrdersWorld
from tests.support.worlds.rag import RagWorld

_FAILURE_EVENTS = {"TaskFailed", "TaskTimedOut", "LambdaFunctionFailed", "LambdaFunctionTimedOut"}
_DESERIALIZER = TypeDeserializer()


def failed_states(result: RunResult) -> set[str]:
    """Sequential states that had a failed attempt (attributed to the state entered last)."""
    failed, current = set(), None
    for event in result.history:
        details = event.get("stateEnteredEventDetails")
        if details:
            current = details["name"]
        elif event["type"] in _FAILURE_EVENTS and current:
            failed.add(current)
    return failed


def plain(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _DESERIALIZER.deserialize(value) for key, value in item.items()}


def _assertion_text(error: AssertionError) -> str:
    if str(error):
        return str(error)
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"{frame.name}: {frame.line}"


# ---- orders ------------------------------------------------------------------------------------------


@dataclass
class ResilientOrdersWorld(OrdersWorld):
    """`OrdersWorld`'s invariant, reading the parked queue as the operator's record of truth when the step
    that marks or queues a parked order is the one failing (see outcomes.py); with both failing, the
    run's `OrderNeedsAttention` (alarmed, counted) is the record and the status keeps its last step."""

    parking_failed: bool = False
    marking_failed: bool = False

    def statuses(self) -> dict[str, dict[str, str]]:
        statuses = super().statuses()
        parked = {message["orderId"] for message in self.parked_messages}
        unrecorded = self.parking_failed and self.marking_failed
        for order_id, status in statuses.items():
            if status["status"] not in FINAL_STATUSES and (order_id in parked or unrecorded):
                status["status"] = "NEEDS_ATTENTION"  # RecordNeedsAttention failed; the queue has it
        return statuses

    def parked(self) -> list[dict[str, Any]]:
        messages = super().parked()
        if self.parking_failed:  # ParkOrder failed; the status item says NEEDS_ATTENTION instead
            marked = [o for o, s in self.statuses().items() if s["status"] == "NEEDS_ATTENTION"]
            messages += [{"orderId": order_id} for order_id in marked]
        return messages


class OrdersHarness(Harness):
    workflow = "orders"

    def open_world(self) -> None:
        self.shop = ResilientOrdersWorld(self.runner)

    def reset(self) -> None:
        self.shop.reset()
        self.shop.parking_failed = self.shop.marking_failed = False

    def prepare(self, sample: Sample, history: bool = True) -> dict[str, Any]:
        self.seed_sample(sample)
        for entry in sample.seed.get("dynamodb", []):
            item = entry["item"]
            if entry["table"].endswith("Catalog"):
                self.shop.catalog[item["sku"]] = int(item["priceMinor"])
            elif entry["table"].endswith("Inventory"):
                self.shop.opening_stock[item["sku"]] = int(item["available"]) + int(item.get("sold", 0))
            elif str(item.get("pk", "")).startswith("ACCOUNT#"):
                self.shop.opening_balances[item["pk"].removeprefix("ACCOUNT#")] = int(item["balanceMinor"])
        order = sample.input if isinstance(sample.input, dict) else {}
        self.shop.submitted[str(order.get("orderId"))] = order
        return {}

    def invariants(self, observation: Observation) -> list[str]:
        result = observation.result
        self.shop.parked_messages.clear()
        failed = failed_states(result) if result is not None else set()
        unrecorded = result is not None and result.error == "OrderNeedsAttention"
        self.shop.parking_failed = "ParkOrder" in failed
        self.shop.marking_failed = unrecorded and "RecordNeedsAttention" in failed
        try:
            self.shop.assert_invariant()
        except AssertionError as error:
            return [f"orders invariant: {_assertion_text(error)}"]
        return []

    def duplicate_names(self, sample: Sample) -> tuple[str | None, str | None]:
        """`order-<orderId>` as `scripts.orders.submit` names it, then another name: Step Functions'
        own name check cannot help, the saga's conditional status write must."""
        first = execution_name(sample.input.get("orderId"))
        return first, f"{first}-again"


# ---- rag -------------------------------------------------------------------------------------------

PRIOR_REVISION = "\n\nAn earlier revision of this document.\n"
ALL_DOCUMENTS_FAILED = "AllDocumentsFailed"


class RagHarness(Harness):
    workflow = "rag"

    def open_world(self) -> None:
        self.plane = RagWorld(self.runner)

    def reset(self) -> None:
        self.plane.reset()

    def prepare(self, sample: Sample, history: bool = True) -> dict[str, Any]:
        """Ingest an earlier revision of the sample's documents first, so a failing new version has
        a previous one to keep (and a commit has one to replace)."""
        documents = [e for e in sample.seed.get("s3", []) if e["bucket"] == "Workflow/Sources"]
        previous: dict[str, dict[str, Any]] = {}
        if documents and history:
            for entry in documents:
                self.plane.put(
                    entry["key"].removeprefix("documents/"), _body(sample, entry) + PRIOR_REVISION.encode()
                )
            prior = self.runner.run({"objects": [{"key": entry["key"]} for entry in documents]}, timeout=60)
            if prior.status != "SUCCEEDED":
                raise AssertionError(f"rag: the prior revision did not ingest: {prior.error} {prior.cause}")
            previous = {item["source"]: item for item in self.registry() if item.get("status") == "ingested"}
        self.seed_sample(sample)
        return {"previous": previous}

    def registry(self) -> list[dict[str, Any]]:
        items = self.plane.dynamodb.scan(TableName=self.plane.registry, ConsistentRead=True)["Items"]
        return [plain(item) for item in items]

    def invariants(self, observation: Observation) -> list[str]:
        from rag import documents

        problems = []
        expected: set[str] = set()
        awaiting_sweep: set[str] = set()
        registry = {item["source"]: item for item in self.registry()}
        for source, item in registry.items():
            if item.get("status") not in ("ingested", "failed"):
                problems.append(f"registry {source}: status {item.get('status')!r}")
            for entry in (item, item.get("stale")):
                if entry and entry.get("version") and entry.get("chunkCount") is not None:
                    doc = item.get("documentId") or documents.document_id(source)
                    expected |= set(documents.chunk_keys(doc, entry["version"], int(entry["chunkCount"])))
            # A version recorded in flight whose every rollback failed: the next run's Sweep deletes it.
            for version, pending in (item.get("pending") or {}).items():
                if version == item.get("version"):
                    problems.append(f"registry {source}: current version {version[:12]} still pending")
                doc = item.get("documentId") or documents.document_id(source)
                awaiting_sweep.update(documents.chunk_keys(doc, version, int(pending["chunkCount"])))
        actual = set(self.plane.vector_keys()) - awaiting_sweep
        if actual - expected:
            problems.append(f"orphaned vectors: {sorted(actual - expected)[:3]} ({len(actual - expected)})")
        if expected - actual:
            problems.append(f"registry versions without vectors: {sorted(expected - actual)[:3]}")
        for source, before in observation.context.get("previous", {}).items():
            if not self._exists(source):
                continue  # its object was deleted: removing the document is the designed outcome
            now = registry.get(source, {})
            if now.get("version") != before["version"] and now.get("status") != "ingested":
                problems.append(f"{source}: previous version {before['version'][:12]} lost, registry {now}")
        return problems

    def _exists(self, source: str) -> bool:
        bucket, _, key = source.removeprefix("s3://").partition("/")
        try:
            self.plane.s3.head_object(Bucket=bucket, Key=key)
        except self.plane.s3.exceptions.ClientError:
            return False
        return True

    def summarize(self, result: RunResult) -> str:
        text = super().summarize(result)
        counts = ((result.output or {}).get("report") or {}).get("counts") if result.output else None
        if counts:
            text += " " + " ".join(
                f"{key}={counts.get(key, 0)}" for key in ("ingested", "unchanged", "failed")
            )
            if counts.get("removed"):
                text += f" removed={counts['removed']}"
        return text

    def execute(self, scenario: Scenario, faults: Sequence[Fault] = (), **options: Any) -> Observation:
        """The run, with each failed document's error from its report kept in the context (the
        report's objects are gone once the world is reset for the next run)."""
        observation = super().execute(scenario, faults, **options)
        observation.context = {**observation.context, "failures": self.failures(observation.result)}
        return observation

    def failures(self, result: RunResult | None) -> dict[str, str]:
        """Source -> error of every document the run's report lists as failed (a failed run's too:
        the report is found by the run id, which is the execution name)."""
        from rag import layout

        if result is None:
            return {}
        _, key = layout.report_keys(result.name)
        try:
            body = self.plane.s3.get_object(Bucket=self.plane.artifacts, Key=key)["Body"].read()
        except self.plane.s3.exceptions.NoSuchKey:
            return {}
        lines = [json.loads(line) for line in body.decode().splitlines()]
        return {line["source"]: str(line.get("error")) for line in lines if line["status"] == "failed"}

    def judge(self, cell: Cell, observation: Observation, baseline: Observation) -> Verdict:
        """A run ending `AllDocumentsFailed` is designed only if the fault reached a document's line
        in its report, as for a run that succeeds with the failure recorded per document."""
        verdict = super().judge(cell, observation, baseline)
        result = observation.result
        if verdict.verdict == "tolerated":
            return verdict
        if cell.kind != PERMANENT or result is None or result.error != ALL_DOCUMENTS_FAILED:
            return verdict
        reason = self.degraded(observation, baseline)
        if reason is None:
            problem = "ended AllDocumentsFailed, but no document's report line names the fault"
            return Verdict("UNHANDLED", verdict.outcome, verdict.scenario, (*verdict.problems, problem))
        return replace(verdict, outcome=f"{verdict.outcome} ({reason})")

    def degraded(self, observation: Observation, baseline: Observation) -> str | None:
        """A document reported failed with an error it was not reported with unfaulted: the fault's
        error reached its line (a document failing for its own reason anyway must change error)."""
        before, now = baseline.context.get("failures", {}), observation.context.get("failures", {})
        changed = {error for source, error in now.items() if before.get(source) != error}
        if changed:
            return f"a document is reported failed ({', '.join(sorted(changed))})"
        return None

    def business_state(self, sample: Sample) -> Any:
        registry = {
            item["source"]: {k: item.get(k) for k in ("version", "chunkCount", "status", "contentHash")}
            for item in self.registry()
        }
        return {"vectors": self.plane.vector_keys(), "registry": registry}


def _body(sample: Sample, entry: dict[str, Any]) -> bytes:
    """An S3 seed entry's bytes (`body`, `base64` or `file`, as `localrun.samples.seed` reads them)."""
    if "base64" in entry:
        return base64.b64decode(entry["base64"])
    if "file" in entry:
        return (sample.path.parent / entry["file"]).read_bytes()
    body = entry["body"]
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


# ---- tenants -----------------------------------------------------------------------------------------

TENANTS_OU, QUARANTINE_OU, SUSPENDED_OU = "ou-stpw-tenants01", "ou-stpw-quarantine", "ou-stpw-suspended"


class TenantsHarness(Harness):
    workflow = "tenants"

    def open_world(self) -> None:
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        # moto's CloudFormation skips these two baseline resource types (with a warning).
        warnings.filterwarnings(
            "ignore", r"Tried to parse AWS::(S3::BucketPolicy|ResourceGroups::Group) ", UserWarning
        )
        self.organization: Organization = ensure_organization(
            {"tenants": TENANTS_OU, "quarantine": QUARANTINE_OU, "suspended": SUSPENDED_OU}
        )
        self.registry = self.runner.resource("Workflow/Registry").name

    def close_world(self) -> None:
        self._warnings.__exit__(None, None, None)

    def reset(self) -> None:
        """Empty the registry and take earlier runs' accounts out of the organization: every sample
        requests its account with the same e-mail, and an e-mail belongs to one account at a time
        (localrun's Organizations emulation fails a second request for it, as AWS does)."""
        dynamodb = self.runner.client("dynamodb")
        for item in dynamodb.scan(TableName=self.registry)["Items"]:
            dynamodb.delete_item(TableName=self.registry, Key={"tenantId": item["tenantId"]})
        organizations = self.organization.client
        management = organizations.describe_organization()["Organization"]["MasterAccountId"]
        for account_id in self.account_ids() - {management}:
            organizations.remove_account_from_organization(AccountId=account_id)

    def prepare(self, sample: Sample, history: bool = True) -> dict[str, Any]:
        self.seed_sample(sample)
        return {"accounts": self.account_ids()}

    def account_ids(self) -> set[str]:
        return {account["Id"] for account in self.organization.accounts()}

    def record(self, tenant_id: Any) -> dict[str, Any] | None:
        if not isinstance(tenant_id, str) or not tenant_id:
            return None
        item = (
            self.runner.client("dynamodb")
            .get_item(TableName=self.registry, Key={"tenantId": {"S": tenant_id}}, ConsistentRead=True)
            .get("Item")
        )
        return plain(item) if item else None

    def failure_reports(self) -> list[dict[str, Any]]:
        """The failure's detail from every `TenantProvisioningFailed` the run sent: the EventBridge
        event's `detail` and the SNS notification's message (each stands in when the other, or the
        registry mark, failed). Received without deleting: they stay for the next call."""
        sqs, reports = self.runner.client("sqs"), []
        for url in self._captures:
            received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
            for message in received.get("Messages", []):
                body = json.loads(message["Body"])
                if body.get("detail-type") == "TenantProvisioningFailed":
                    reports.append(body.get("detail") or {})
                elif body.get("Type") == "Notification":
                    notification = json.loads(body.get("Message") or "{}")
                    if notification.get("event") == "TenantProvisioningFailed":
                        reports.append(notification)
        return reports

    def invariants(self, observation: Observation) -> list[str]:
        result, request = observation.result, observation.scenario.sample.input
        problems = []
        new_accounts = self.account_ids() - observation.context.get("accounts", set())
        if len(new_accounts) > 1:
            problems.append(f"{len(new_accounts)} accounts created for one tenant")
        record = self.record(request.get("tenantId") if isinstance(request, dict) else None)
        unmarked = result is not None and "MarkTenantFailed" in failed_states(result)
        reports = self.failure_reports() if unmarked else []
        quarantine = {(record or {}).get("quarantine")}
        quarantine |= {(report.get("quarantine") or {}).get("status") for report in reports}
        for account in new_accounts:
            parent = self.organization.parent_of(account)
            if parent == self.organization.root_id and "QUARANTINE_FAILED" not in quarantine:
                problems.append(f"account {account} left in the organization's root")
        if result is None or record is None or record.get("executionId") != result.execution_arn:
            return problems  # nothing claimed by this run
        status = record.get("status")
        if status == "ACTIVE":
            if record.get("accountId") not in new_accounts:
                problems.append("ACTIVE without the account this run created")
            elif self.organization.parent_of(record["accountId"]) != record.get("organizationalUnitId"):
                problems.append("ACTIVE tenant's account is not in the tenant's OU")
            if result.status == "FAILED" and result.error != "NotificationFailed":
                problems.append(f"tenant ACTIVE but the run failed with {result.error}")
        elif status == "FAILED":
            missing = [k for k in ("failedStep", "failureError", "quarantine") if not record.get(k)]
            if missing:
                problems.append(f"FAILED tenant without {missing}")
        elif unmarked and any(report.get("step") and report.get("error") for report in reports):
            pass  # the record could not be marked; TenantProvisioningFailed carries step and error
        else:
            problems.append(f"tenant left {status} after the run ended {result.status}")
        return problems

    def summarize(self, result: RunResult) -> str:
        text = super().summarize(result)
        if isinstance(result.output, dict) and "created" in result.output:
            text += f" created={result.output['created']}"
        return text

    def business_state(self, sample: Sample) -> Any:
        return {"accounts": sorted(self.account_ids()), "state": self.snapshot()}


# ---- cv ----------------------------------------------------------------------------------------------

LABELED, AWAITING, LABELING = "LABELED", "AWAITING_LABELS", "LABELING"


class CvHarness(Harness):
    workflow = "cv"

    def open_world(self) -> None:
        resource = self.runner.resource
        self.bucket = resource("Workflow/Data/Data").name
        self.frames = resource("Workflow/Data/Frames").name
        self.cameras = resource("Workflow/Data/Cameras").name

    def reset(self) -> None:
        dynamodb, s3 = self.runner.client("dynamodb"), self.runner.client("s3")
        for table, key in ((self.frames, "frameId"), (self.cameras, "cameraId")):
            for item in dynamodb.scan(TableName=table, ProjectionExpression=key)["Items"]:
                dynamodb.delete_item(TableName=table, Key=item)
        listing = s3.list_object_versions(Bucket=self.bucket)
        for entry in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
            s3.delete_object(Bucket=self.bucket, Key=entry["Key"], VersionId=entry["VersionId"])

    def prepare(self, sample: Sample, history: bool = True) -> dict[str, Any]:
        self.seed_sample(sample)
        cameras = [
            e["item"]["cameraId"] for e in sample.seed.get("dynamodb", []) if e["table"].endswith("Cameras")
        ]
        return {"cameras": cameras}

    def _items(self, table: str) -> list[dict[str, Any]]:
        return [plain(item) for item in self.runner.client("dynamodb").scan(TableName=table)["Items"]]

    def invariants(self, observation: Observation) -> list[str]:
        result = observation.result
        problems = []
        not_returned = result is not None and result.error == "FramesNotReturned"
        for frame in self._items(self.frames):
            status = frame.get("labelStatus")
            if status in (AWAITING, LABELED):
                continue
            if status == LABELING and not_returned and frame.get("labelingJob"):
                continue  # the run says so: an operator finds them through the job index
            problems.append(f"frame {frame['frameId']} left {status}")
        cameras = {camera["cameraId"]: camera for camera in self._items(self.cameras)}
        for camera_id in observation.context.get("cameras", []):
            camera = cameras.get(camera_id)
            if camera is None:
                problems.append(f"camera {camera_id} lost")
            elif camera.get("preparationStatus") != "READY_FOR_TAPE_ANNOTATION" and not camera.get(
                "pendingPreparation"
            ):
                problems.append(f"camera {camera_id} neither ready nor pending: {camera}")
        return problems

    def summarize(self, result: RunResult) -> str:
        text = super().summarize(result)
        output = result.output if isinstance(result.output, dict) else {}
        if "outcome" in output:
            text += f" {output['outcome']}"
        if "errors" in output:
            text += " " + " ".join(f"{key}={output.get(key)}" for key in ("ready", "retry", "errors"))
        return text

    def degraded(self, observation: Observation, baseline: Observation) -> str | None:
        if (_output_int(observation.result, "errors") or 0) > 0:
            return "the camera's error is counted; it stays pending"
        return None

    def business_state(self, sample: Sample) -> Any:
        """Labeling: everything. Preparation: what was done for each camera made ready (its record,
        composite objects and composite frame); a camera left to retry is retried by design."""
        if not str(sample.state_machine).endswith("TapeLabelingPreparation/Workflow"):
            return self.snapshot()
        ready = {
            c["cameraId"]: c
            for c in self._items(self.cameras)
            if c.get("preparationStatus") == "READY_FOR_TAPE_ANNOTATION"
        }
        listing = self.runner.client("s3").list_object_versions(Bucket=self.bucket)
        objects = sorted(
            (v["Key"], v["ETag"])
            for v in listing.get("Versions", [])
            if any(v["Key"].startswith(f"composites/{camera}/") for camera in ready)
        )
        frames = sorted(
            json.dumps(f, sort_keys=True, default=str)
            for f in self._items(self.frames)
            if f.get("cameraId") in ready
        )
        return {"ready": json.dumps(ready, sort_keys=True, default=str), "objects": objects, "frames": frames}


def _output_int(result: RunResult | None, key: str) -> int | None:
    if result is None or not isinstance(result.output, dict) or key not in result.output:
        return None
    return int(result.output[key])


# ---- agent -------------------------------------------------------------------------------------------

REQUEST_FINAL = frozenset(
    {
        "PUBLISHED",
        "InvalidRequest",
        "InvalidPlan",
        "BudgetExceeded",
        "GuardrailBlocked",
        "Rejected",
        "ApprovalTimedOut",
        "AgentFailed",
    }
)
UNUSED_TURN = "was never used"


class ReplayingScript(BedrockScript):
    """A Bedrock script that answers a request identical to one it already answered with that turn
    again (test-side emulation choice, like `harness.retry_tolerant`): a task retried after its
    response was lost sends the model the very same request, and a model that is scripted answers
    it as it did. Error turns are never replayed (botocore's own retries take the next turn)."""

    def __init__(self, turns: Mapping[str, list[Turn]], label: str) -> None:
        super().__init__(turns, label)
        self._answered: dict[tuple[str, str], Turn] = {}
        self._replay_lock = threading.Lock()

    def take(self, api: str, request: Mapping[str, Any]) -> Turn:
        key = (api, json.dumps(request, sort_keys=True, default=str))
        with self._replay_lock:
            if key in self._answered:
                return self._answered[key]
            turn = super().take(api, request)
            if turn.error is None:
                self._answered[key] = turn
            return turn


def scripted_turns(sample: Sample) -> dict[str, Any]:
    """The sample's `bedrock` key as written in its file (turns not yet loaded)."""
    return dict(json.loads(sample.path.read_text()).get("bedrock") or {})


def without_tool_statuses(script: Mapping[str, Any]) -> dict[str, Any]:
    """The script with no expectation on toolResult statuses: a tool failing on every attempt turns
    its result into an error entry, which the model receives (the rest of each turn is kept)."""
    turns = []
    for turn in script.get("converse", []):
        expect = {key: value for key, value in turn.get("expect", {}).items() if key != "toolResults"}
        turns.append({**turn, "expect": expect})
    return {**script, "converse": turns}


class AgentHarness(Harness):
    workflow = "agent"

    def open_world(self) -> None:
        self.requests = self.runner.resource("Workflow/Requests").name
        self.runs = self.runner.resource("Workflow/Runs").name

    def reset(self) -> None:
        """Empty every table (requests, breakers, idempotency) and bucket of the stack."""
        dynamodb, s3 = self.runner.client("dynamodb"), self.runner.client("s3")
        for resource in self.runner.resources.values():
            if not resource.provisioned:
                continue
            if resource.type in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
                described = dynamodb.describe_table(TableName=resource.name)["Table"]["KeySchema"]
                names = [key["AttributeName"] for key in described]
                for item in dynamodb.scan(TableName=resource.name)["Items"]:
                    dynamodb.delete_item(TableName=resource.name, Key={name: item[name] for name in names})
            elif resource.type == "AWS::S3::Bucket":
                listing = s3.list_object_versions(Bucket=resource.name)
                for entry in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
                    s3.delete_object(Bucket=resource.name, Key=entry["Key"], VersionId=entry["VersionId"])

    def bedrock_script(self, sample: Sample, faults: Sequence[Fault]) -> Any:
        """Per cell, from its faults: a lost response is answered again on the retry (the same
        request), and under a permanent fault the model is not held to the tool statuses of the
        unfaulted run."""
        if sample.bedrock is None:
            return None
        added = [fault for fault in faults if fault not in sample.faults]
        script = scripted_turns(sample)
        if any(fault.times is None for fault in added):
            script = without_tool_statuses(script)
        label = f"{sample.path.name} (resilience cell)"
        if any(fault.ambiguous for fault in added):
            return ReplayingScript.load(script, label=label)
        return BedrockScript.load(script, label=label)

    def request(self, sample: Sample) -> dict[str, Any] | None:
        request_id = sample.input.get("requestId") if isinstance(sample.input, dict) else None
        if not isinstance(request_id, str) or not request_id:
            return None
        item = (
            self.runner.client("dynamodb")
            .get_item(TableName=self.requests, Key={"requestId": {"S": request_id}}, ConsistentRead=True)
            .get("Item")
        )
        return plain(item) if item else None

    def objects(self, prefix: str) -> list[str]:
        listing = self.runner.client("s3").list_objects_v2(Bucket=self.runs, Prefix=prefix)
        return [entry["Key"] for entry in listing.get("Contents", [])]

    def invariants(self, observation: Observation) -> list[str]:
        result, sample = observation.result, observation.scenario.sample
        problems = [
            f"bedrock script broken: {problem}"
            for problem in (result.bedrock_problems if result is not None else ())
            if UNUSED_TURN not in problem
        ]
        record = self.request(sample)
        if result is None or record is None:
            return problems
        request_id, status = record["requestId"], record.get("status")
        answers = self.objects(f"answers/{request_id}/")
        if status == "PUBLISHED":
            if len(answers) != 1:
                problems.append(f"PUBLISHED with {len(answers)} answer versions")
        elif answers:
            problems.append(f"{len(answers)} answer(s) published for a request left {status}")
        unrecorded = "RecordOutcome" in failed_states(result)
        if status not in REQUEST_FINAL and not unrecorded and result.error != "DuplicateRequest":
            problems.append(f"request left {status} after the run ended {result.status} {result.error}")
        elif status in REQUEST_FINAL - {"PUBLISHED"} and not self.objects(f"reports/{request_id}.json"):
            problems.append(f"request ended {status} without its report")
        return problems

    def summarize(self, result: RunResult) -> str:
        text = super().summarize(result)
        if result.status == "SUCCEEDED" and result.states:
            text += f" in {result.states[-1]}"
        return text

    def degraded(self, observation: Observation, baseline: Observation) -> str | None:
        """The fault reached a tool call's entry: an error entry the unfaulted run did not have (or
        had with another cause, e.g. the breaker not updated)."""
        now, before = _tool_errors(observation.result), _tool_errors(baseline.result)
        changed = sorted(set(now) - set(before))
        if changed:
            return f"the tool call is an error result ({'; '.join(changed)})"
        return None

    def duplicate_names(self, sample: Sample) -> tuple[str | None, str | None]:
        """Fresh names both times: the requestId claim, not the execution name, must dedupe."""
        return None, None


def _tool_errors(result: RunResult | None) -> list[str]:
    """`name: error` of every ToolCalls entry that is not a success, over all rounds."""
    if result is None:
        return []
    errors = []
    for event in result.history:
        details = event.get("stateExitedEventDetails")
        if not details or details.get("name") != "ToolCalls":
            continue
        output = json.loads(details.get("output") or "null")
        entries = output.get("results", []) if isinstance(output, dict) else []
        errors += [
            f"{entry.get('name')}: {entry.get('error') or entry.get('reason')} ({entry.get('cause', '')})"
            for entry in entries
            if isinstance(entry, dict) and entry.get("status") != "success"
        ]
    return errors


HARNESSES: dict[str, type[Harness]] = {
    "agent": AgentHarness,
    "cv": CvHarness,
    "orders": OrdersHarness,
    "rag": RagHarness,
    "tenants": TenantsHarness,
}
