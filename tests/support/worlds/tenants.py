"""The tenant-provisioning world the workflow tests run in: one provisioned stack, its organization,
StackSets and the queues that capture its events and notifications."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from localrun import LocalRunner, RunResult
from localrun.samples import EXAMPLES_ROOT
from scripts.tenants.local import (
    Organization,
    create_organization,
    create_stack_sets_from_template,
    merged_stack_set_parameters,
)
from tests.support.synth import app_stacks

EXAMPLES = EXAMPLES_ROOT / "tenants"
TENANTS_OU = "ou-stpw-tenants01"  # the samples' organizationalUnitId
QUARANTINE = "ou-stpw-quarantine"
SUSPENDED = "ou-stpw-suspended"
TIMEOUT = 120.0

# The shipped MockConfigFile (also used by the samples): failure modes moto cannot produce.
MOCKS = json.loads((EXAMPLES / "tenants.mocks.json").read_text())


@dataclass
class TenantsWorld:
    runner: LocalRunner
    organization: Organization
    stack_sets: list[str]
    events_queue: str
    notifications_queue: str

    @property
    def registry(self) -> str:
        return self.runner.resource("Workflow/Registry").name

    def run(self, request: dict[str, Any], name: str, **options: Any) -> RunResult:
        return self.runner.run(request, name=name, mock_config=MOCKS, timeout=TIMEOUT, **options)

    def record(self, tenant_id: str) -> dict[str, Any] | None:
        return (
            self.runner.client("dynamodb")
            .get_item(TableName=self.registry, Key={"tenantId": {"S": tenant_id}}, ConsistentRead=True)
            .get("Item")
        )

    def instances(self, account_id: str) -> dict[str, list[str]]:
        cloudformation = self.runner.client("cloudformation")
        return {
            name: [
                item["Status"]
                for item in cloudformation.list_stack_instances(StackSetName=name)["Summaries"]
                if item["Account"] == account_id
            ]
            for name in self.stack_sets
        }

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        sqs, messages = self.runner.client("sqs"), []
        while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                messages.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return messages

    def events(self, tenant_id: str) -> list[dict[str, Any]]:
        return [event for event in self.drain(self.events_queue) if event["detail"]["tenantId"] == tenant_id]

    def notifications(self, tenant_id: str) -> list[dict[str, Any]]:
        return [note for note in self.drain(self.notifications_queue) if note["tenantId"] == tenant_id]

    def accounts_with_email(self, email: str) -> list[dict[str, Any]]:
        return [account for account in self.organization.accounts() if account["Email"] == email]


def request(harness: TenantsWorld, tenant_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "tenantId": tenant_id,
        "accountName": f"{tenant_id.title()} Corp",
        "email": f"aws+{tenant_id}@example.com",
        "organizationalUnitId": harness.organization.ous["tenants"],
        "tier": "premium",
        "tags": {"cost-center": "cc-42"},
        **overrides,
    }


def _queue(runner: LocalRunner, name: str) -> tuple[str, str]:
    sqs = runner.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


@contextmanager
def provisioned() -> Iterator[TenantsWorld]:
    """The dev tenants stack in moto with an organization, its StackSets and capture queues."""
    with merged_stack_set_parameters(), LocalRunner.for_stack(app_stacks("dev")["tenants"]) as runner:
        organization = create_organization(
            {"tenants": TENANTS_OU, "quarantine": QUARANTINE, "suspended": SUSPENDED}
        )
        stack_sets = create_stack_sets_from_template(runner.client("cloudformation"), runner.stack.template)
        events_url, events_arn = _queue(runner, "tenant-events")
        events = runner.client("events")
        events.put_rule(Name="tenant-events", EventPattern=json.dumps({"source": ["stepwise.tenants"]}))
        events.put_targets(Rule="tenant-events", Targets=[{"Id": "queue", "Arn": events_arn}])
        notes_url, notes_arn = _queue(runner, "tenant-notifications")
        runner.client("sns").subscribe(
            TopicArn=runner.resource("Workflow/Notifications").ref,
            Protocol="sqs",
            Endpoint=notes_arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        yield TenantsWorld(runner, organization, sorted(stack_sets.values()), events_url, notes_url)
