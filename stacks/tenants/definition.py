"""The tenant provisioning state graph, built from the resources `TenantProvisioning` creates.

Sections, in the order an execution meets them: intake (validate, claim the tenant id, answer a
tenant already claimed), account creation (request, reconcile a lost answer, poll activation),
placement and baseline (move the account, one StackSet operation per template), completion
(activate, announce) and the failure path (quarantine, mark FAILED, report). The task shapes
(SDK calls, registry updates, events) are in `stacks/tenants/states.py`.

State data (JSONPath): `$.request` (normalized by ValidateRequest), `$.existing` (a claimed
tenant's record), `$.account` (`state`, then `requestId`/`polls`, then `accountId`), `$.parent`,
`$.plan` and `$.baseline` (the StackSets applied); `$.failure` holds the step and error that
entered the failure path and `$.quarantine` what became of the account.

Every state is created with the `TenantProvisioning` construct as its scope, so construct paths
(and logical ids) are those of the construct itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws, Duration
from aws_cdk import aws_cloudformation as cloudformation
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common import (
    CLOUDFORMATION_RETRY,
    DYNAMODB_RETRY,
    ORGANIZATIONS_RETRY,
    RetryPolicy,
    invoke_lambda,
)
from stacks.common.contracts import handler_contract
from stacks.tenants.functions import TenantFunctions
from stacks.tenants.organization import TENANT_TAG_REQUESTED, organizations_arns
from stacks.tenants.settings import TenantSettings
from stacks.tenants.states import (
    SDK_TIMEOUT,
    ProvisioningStates,
    stack_set_arn,
    string_value,
)

CONTRACT = handler_contract("tenants")
PROVISIONING, ACTIVE, FAILED = CONTRACT.PROVISIONING, CONTRACT.ACTIVE, CONTRACT.FAILED

# Failures after which no account exists: a tenant that failed this way may be submitted again.
RECLAIMABLE_ERRORS = (
    "EmailAlreadyExists",
    "AccountCreationFailed",
    CONTRACT.EMAIL_BELONGS_TO_ANOTHER_ACCOUNT,
)

# CreateAccount has no idempotency token: retried only on errors that mean Organizations did not
# accept the request (throttled, or busy with another change). A 5xx or a timeout may hide an accepted
# request: those are reconciled (ReconcileAccount), never retried blindly.
CREATE_ACCOUNT_RETRY = ORGANIZATIONS_RETRY.without_errors(
    "Organizations.ThrottlingException",
    "Organizations.ServiceUnavailableException",
    "Organizations.ServiceException",
)
CREATE_ACCOUNT_UNANSWERED = (
    "Organizations.ServiceException",
    "Organizations.ServiceUnavailableException",
    "States.Timeout",
)
# ReconcileAccount: its own unanswered CreateAccount (or an attempt that timed out, in the function or
# the task) is safe to retry, as every attempt looks for the request before sending one.
RECONCILE_RETRY = RetryPolicy(
    (CONTRACT.ACCOUNT_REQUEST_UNCONFIRMED, "Sandbox.Timedout", "States.Timeout"),
    interval=Duration.seconds(5),
)
# Another operation on the same StackSet (managed execution queues most of them): wait it out.
STACK_SET_BUSY_RETRY = RetryPolicy(
    ("CloudFormation.OperationInProgressException",),
    interval=Duration.seconds(30),
    max_attempts=10,
    backoff_rate=1.5,
    max_delay=Duration.minutes(5),
)


@dataclass(frozen=True)
class ProvisioningResources:
    """Everything the state graph refers to."""

    settings: TenantSettings
    registry: dynamodb.ITableV2
    notifications: sns.ITopic
    event_bus: events.IEventBus
    stack_sets: Mapping[str, cloudformation.CfnStackSet]
    functions: TenantFunctions


class ProvisioningDefinition:
    """Builds the failure handler, then the provisioning chain starting at `start`, in `scope`."""

    def __init__(self, scope: Construct, resources: ProvisioningResources) -> None:
        self.scope = scope
        self.settings = resources.settings
        self.registry = resources.registry
        self.stack_sets = resources.stack_sets
        self.functions = resources.functions
        self.states = ProvisioningStates(
            scope, resources.settings, resources.registry, resources.notifications, resources.event_bus
        )
        self._failure_captures: dict[str, sfn.Pass] = {}
        self._failure_entry = self._failure_handler()
        self.start: sfn.IChainable = self._definition()

    # ---- entering the failure path ----------------------------------------------------------

    def _on_failure(self, state: sfn.TaskStateBase | sfn.Map, step: str) -> None:
        """Route any error of `state` to the failure handler, recording `step` and the error."""
        capture = self._failure_captures.get(step)
        if capture is None:
            capture = sfn.Pass(
                self.scope,
                f"{step}Failed",
                comment=f"Record that {step} failed, then quarantine and report",
                parameters={
                    "step": step,
                    "error": sfn.JsonPath.string_at("$.caught.Error"),
                    "cause": sfn.JsonPath.string_at("$.caught.Cause"),
                },
                result_path="$.failure",
            )
            capture.next(self._failure_entry)
            self._failure_captures[step] = capture
        state.add_catch(capture, errors=["States.ALL"], result_path="$.caught")

    def _named_failure(self, construct_id: str, step: str, error: str, cause: str) -> sfn.Pass:
        """A failure a Choice detects (not an exception): name it and enter the failure handler.

        `cause` is literal text or an intrinsic such as `JsonPath.format(...)`.
        """
        named = sfn.Pass(
            self.scope,
            construct_id,
            parameters={"step": step, "error": error, "cause": cause},
            result_path="$.failure",
        )
        named.next(self._failure_entry)
        return named

    # ---- intake: validate, claim the tenant id, answer a tenant already claimed ------------

    def _definition(self) -> sfn.IChainable:
        validate = self._validate_request()
        claim = self._claim()
        create_account = self._create_account()
        self._existing_tenant(claim, create_account)
        return validate.next(claim).next(create_account)

    def _validate_request(self) -> tasks.LambdaInvoke:
        validate = invoke_lambda(
            self.scope,
            "ValidateRequest",
            self.functions.validate,
            result_path="$.request",
        )
        validate.add_catch(
            sfn.Fail(
                self.scope,
                "RequestRejected",
                comment="Invalid request (InvalidInput lists every problem); nothing was created",
                error_path="$.Error",
                cause_path="$.Cause",
            ),
            errors=["States.ALL"],
            # The error replaces the state: the request may not even be an object (`[...]`).
            result_path="$",
        )
        return validate

    def _claim(self) -> tasks.DynamoPutItem:
        request = "$.request"
        reclaimable = {f":reclaimable{index}": error for index, error in enumerate(RECLAIMABLE_ERRORS)}
        task = tasks.DynamoPutItem(
            self.scope,
            "ClaimTenant",
            table=self.registry,
            item={
                CONTRACT.REGISTRY_KEY: string_value(f"{request}.tenantId"),
                CONTRACT.STATUS_ATTRIBUTE: tasks.DynamoAttributeValue.from_string(PROVISIONING),
                "accountName": string_value(f"{request}.accountName"),
                "email": string_value(f"{request}.email"),
                "organizationalUnitId": string_value(f"{request}.organizationalUnitId"),
                "tier": string_value(f"{request}.tier"),
                "tags": tasks.DynamoAttributeValue.map_from_json_path(f"{request}.registry.tags.M"),
                CONTRACT.EXECUTION_ATTRIBUTE: string_value("$$.Execution.Id"),
                CONTRACT.CLAIMED_AT_ATTRIBUTE: string_value("$$.State.EnteredTime"),
                "updatedAt": string_value("$$.State.EnteredTime"),
            },
            condition_expression=(
                f"attribute_not_exists({CONTRACT.REGISTRY_KEY}) OR "
                f"(#status = :failed AND failureError IN ({', '.join(reclaimable)}))"
            ),
            expression_attribute_names={"#status": CONTRACT.STATUS_ATTRIBUTE},
            expression_attribute_values={
                ":failed": tasks.DynamoAttributeValue.from_string(FAILED),
                **{
                    placeholder: tasks.DynamoAttributeValue.from_string(error)
                    for placeholder, error in reclaimable.items()
                },
            },
            # `$.account` exists from here on (CreateAccount replaces it), so the failure event
            # can always carry it: the request id of an account still being created included.
            result_selector={"state": "NOT_REQUESTED"},
            result_path="$.account",
            task_timeout=sfn.Timeout.duration(SDK_TIMEOUT),
            comment="Claim the tenant id: the registry is the source of truth for idempotency",
        )
        DYNAMODB_RETRY.applied_to(task)
        return task

    def _existing_tenant(self, claim: tasks.DynamoPutItem, create_account: sfn.IChainable) -> None:
        """A claim refused: answer with the tenant's record, or resume this execution's own claim."""
        lookup = invoke_lambda(
            self.scope,
            "LoadExistingTenant",
            self.functions.lookup,
            payload={
                "tenantId": sfn.JsonPath.string_at("$.request.tenantId"),
                "executionId": sfn.JsonPath.execution_id,
            },
            result_path="$.existing",
        )
        registry_unavailable = sfn.Fail(
            self.scope,
            "RegistryUnavailable",
            comment="The tenant id could not be claimed or read; nothing was created",
            error_path="$.caught.Error",
            cause_path="$.caught.Cause",
        )
        lookup.add_catch(registry_unavailable, errors=["States.ALL"], result_path="$.caught")
        claim.add_catch(lookup, errors=["DynamoDB.ConditionalCheckFailedException"], result_path="$.caught")
        claim.add_catch(registry_unavailable, errors=["States.ALL"], result_path="$.caught")
        already = sfn.Succeed(
            self.scope,
            "TenantAlreadyRegistered",
            comment="Idempotent answer: the existing record, no second account",
            output_path="$.existing",
        )
        # ClaimTenant's own write landed but its answer was lost: carry on as after a claim.
        resume = self.states.account_state("ResumeOwnClaim", "NOT_REQUESTED")
        resume.next(create_account)
        lookup.next(
            sfn.Choice(self.scope, "ClaimedByThisExecution")
            .when(sfn.Condition.boolean_equals("$.existing.ownClaim", True), resume)
            .otherwise(already)
        )

    # ---- account creation: request, reconcile a lost answer, poll activation ----------------

    def _create_account(self) -> sfn.IChainable:
        create = self._request_account()
        reconcile = self._reconcile_account()
        # Until ReconcileAccount answers, an account may or may not exist: the failure handler must
        # not report NO_ACCOUNT for it.
        unanswered = self.states.account_state("CreateAccountUnanswered", "UNCONFIRMED")
        unanswered.next(reconcile)
        create.add_catch(unanswered, errors=list(CREATE_ACCOUNT_UNANSWERED), result_path="$.caught")
        self._on_failure(create, "CreateAccount")
        self._on_failure(reconcile, "CreateAccount")
        record_request = self.states.registry_update(
            "RecordAccountRequest",
            "SET createAccountRequestId = :request",
            {":request": string_value("$.account.requestId")},
            comment="Keep the request id so an account that appears later can still be found",
        )
        self._on_failure(record_request, "CreateAccount")
        reconcile.next(record_request)
        create.next(record_request).next(self._activation())
        return create

    def _request_account(self) -> tasks.CallAwsService:
        """CreateAccount, tagged for the tenant; its answer is a request id polled below."""
        return self.states.sdk(
            "CreateAccount",
            "organizations",
            "createAccount",
            {
                "AccountName": sfn.JsonPath.string_at("$.request.accountName"),
                "Email": sfn.JsonPath.string_at("$.request.email"),
                "RoleName": self.settings.account_access_role_name,
                "IamUserAccessToBilling": "DENY",
                "Tags": sfn.JsonPath.list_at("$.request.accountTags"),
            },
            resources=["*"],
            retry=CREATE_ACCOUNT_RETRY,
            result_selector={"requestId": sfn.JsonPath.string_at("$.CreateAccountStatus.Id"), "polls": 0},
            result_path="$.account",
            extra_statements=[
                iam.PolicyStatement(
                    actions=["organizations:TagResource"],
                    resources=organizations_arns(self.settings, "account"),
                    conditions=TENANT_TAG_REQUESTED,
                )
            ],
            comment="Asynchronous: returns a request id that is polled below",
        )

    def _reconcile_account(self) -> tasks.LambdaInvoke:
        """ReconcileAccount: after a lost CreateAccount answer, the request it made (or a new one)."""
        request = "$.request"
        reconcile = invoke_lambda(
            self.scope,
            "ReconcileAccount",
            self.functions.reconcile,
            payload={
                "tenantId": sfn.JsonPath.string_at(f"{request}.tenantId"),
                "accountName": sfn.JsonPath.string_at(f"{request}.accountName"),
                "email": sfn.JsonPath.string_at(f"{request}.email"),
                "accountTags": sfn.JsonPath.list_at(f"{request}.accountTags"),
                "executionId": sfn.JsonPath.execution_id,
            },
            result_path="$.account",
            comment="CreateAccount's answer was lost: adopt the request it made, or request the account",
        )
        RECONCILE_RETRY.applied_to(reconcile)
        # A request of this account name still IN_PROGRESS: wait for it as activation would.
        activation = self.settings.activation
        interval = Duration.seconds(activation.interval_seconds)
        RetryPolicy(
            (CONTRACT.ACCOUNT_REQUEST_PENDING,),
            interval=interval,
            max_attempts=activation.max_polls,
            backoff_rate=1.0,
            max_delay=interval,
        ).applied_to(reconcile)
        return reconcile

    def _activation(self) -> sfn.IChainable:
        """Poll the request until the account exists, then record it and move on to placement."""
        activation = self.settings.activation
        wait = sfn.Wait(
            self.scope,
            "WaitForActivation",
            time=sfn.WaitTime.duration(Duration.seconds(activation.interval_seconds)),
        )
        status = self.states.create_account_status("GetAccountStatus", {"state": "State"}, "$.account.status")
        self._on_failure(status, "CreateAccount")
        read_account = self.states.create_account_status(
            "ReadAccountId",
            {"requestId": "Id", "accountId": "AccountId"},
            "$.account",
            comment="AccountId exists only once the request SUCCEEDED, so it is read separately",
        )
        self._on_failure(read_account, "CreateAccount")
        read_reason = self._creation_failed()
        count = self.states.count_poll("CountActivationPoll", "$.account", "requestId")
        timed_out = self._named_failure(
            "ActivationTimedOut",
            "CreateAccount",
            "AccountActivationTimedOut",
            sfn.JsonPath.format(
                "Account request {} was still IN_PROGRESS after {} polls {} seconds apart",
                sfn.JsonPath.string_at("$.account.requestId"),
                str(activation.max_polls),
                str(activation.interval_seconds),
            ),
        )
        record_account = self.states.registry_update(
            "RecordAccount",
            "SET accountId = :account, accountCreatedAt = :now",
            {":account": string_value("$.account.accountId")},
        )
        self._on_failure(record_account, "CreateAccount")
        wait.next(status).next(
            sfn.Choice(self.scope, "AccountStatus")
            .when(sfn.Condition.string_equals("$.account.status.state", "SUCCEEDED"), read_account)
            .when(sfn.Condition.string_equals("$.account.status.state", "FAILED"), read_reason)
            .when(
                sfn.Condition.number_greater_than_equals("$.account.polls", activation.max_polls - 1),
                timed_out,
            )
            .otherwise(count.next(wait))
        )
        read_account.next(record_account).next(self._move_account())
        return wait

    def _creation_failed(self) -> tasks.CallAwsService:
        """Read why Organizations refused the account and name it (EmailAlreadyExists or not)."""
        read_reason = self.states.create_account_status(
            "ReadFailureReason", {"requestId": "Id", "failureReason": "FailureReason"}, "$.account"
        )
        self._on_failure(read_reason, "CreateAccount")
        email_exists = self._named_failure(
            "EmailAlreadyExists",
            "CreateAccount",
            "EmailAlreadyExists",
            "Organizations reported EMAIL_ALREADY_EXISTS: the e-mail address already belongs to an "
            "AWS account",
        )
        creation_failed = self._named_failure(
            "AccountCreationFailed",
            "CreateAccount",
            "AccountCreationFailed",
            sfn.JsonPath.format(
                "Organizations reported {} for request {}",
                sfn.JsonPath.string_at("$.account.failureReason"),
                sfn.JsonPath.string_at("$.account.requestId"),
            ),
        )
        read_reason.next(
            sfn.Choice(self.scope, "FailureReason")
            .when(
                sfn.Condition.string_equals("$.account.failureReason", "EMAIL_ALREADY_EXISTS"),
                email_exists,
            )
            .otherwise(creation_failed)
        )
        return read_reason

    # ---- placement and baseline: move the account, one StackSet operation per template -----

    def _move_account(self) -> sfn.IChainable:
        find_parent = self.states.account_parent(
            "FindAccountParent",
            "$.parent",
            comment="New accounts start in the root; read it rather than configure it",
        )
        self._on_failure(find_parent, "MoveAccount")
        move = self.states.move_account(
            "MoveAccount",
            "$.parent.parentId",
            sfn.JsonPath.string_at("$.request.organizationalUnitId"),
        )
        plan = self._plan_baseline()
        # A retried move whose first attempt landed: the account is already where it belongs.
        move.add_catch(plan, errors=["Organizations.DuplicateAccountException"], result_path="$.caught")
        self._on_failure(move, "MoveAccount")
        find_parent.next(move).next(plan)
        return find_parent

    def _plan_baseline(self) -> sfn.IChainable:
        regions = list(self.settings.baseline.regions) or [Aws.REGION]
        plan = sfn.Pass(
            self.scope,
            "PlanBaseline",
            parameters={
                "regions": regions,
                "stackSets": [
                    {"baseline": name, "stackSetName": stack_set.stack_set_name}
                    for name, stack_set in self.stack_sets.items()
                ],
            },
            result_path="$.plan",
        )
        apply = sfn.Map(
            self.scope,
            "ApplyBaseline",
            items_path="$.plan.stackSets",
            item_selector={
                "baseline": sfn.JsonPath.string_at("$$.Map.Item.Value.baseline"),
                "stackSetName": sfn.JsonPath.string_at("$$.Map.Item.Value.stackSetName"),
                "accountId": sfn.JsonPath.string_at("$.account.accountId"),
                "regions": sfn.JsonPath.list_at("$.plan.regions"),
                "tenantId": sfn.JsonPath.string_at("$.request.tenantId"),
                "tier": sfn.JsonPath.string_at("$.request.tier"),
            },
            max_concurrency=self.settings.baseline.max_concurrency,
            result_path="$.baseline",
            comment="One StackSet operation per baseline template, polled to completion",
        )
        apply.item_processor(self._apply_one_stack_set())
        self._on_failure(apply, "ApplyBaseline")
        return plan.next(apply).next(self._complete())

    def _apply_one_stack_set(self) -> sfn.IChainable:
        """Start the operation, poll it to SUCCEEDED; a failed or endless one fails the Map."""
        poll = self.settings.baseline.poll
        stack_set_arns = [stack_set_arn(stack_set) for stack_set in self.stack_sets.values()]
        create = self._start_stack_set_operation(stack_set_arns)
        wait = sfn.Wait(
            self.scope,
            "WaitForStackSetOperation",
            time=sfn.WaitTime.duration(Duration.seconds(poll.interval_seconds)),
        )
        status = self.states.stack_set_operation(
            "GetStackSetOperation",
            "describeStackSetOperation",
            stack_set_arns,
            result_selector={"value": sfn.JsonPath.string_at("$.StackSetOperation.Status")},
            result_path="$.operation.status",
        )
        failed, timed_out = self._stack_set_operation_failures(stack_set_arns)
        count = self.states.count_poll("CountStackSetPoll", "$.operation", "id")
        applied = sfn.Pass(
            self.scope,
            "StackSetApplied",
            parameters={
                "baseline": sfn.JsonPath.string_at("$.baseline"),
                "stackSetName": sfn.JsonPath.string_at("$.stackSetName"),
                "operationId": sfn.JsonPath.string_at("$.operation.id"),
            },
        )
        create.next(wait).next(status).next(
            sfn.Choice(self.scope, "StackSetOperationStatus")
            .when(sfn.Condition.string_equals("$.operation.status.value", "SUCCEEDED"), applied)
            .when(
                sfn.Condition.or_(
                    sfn.Condition.string_equals("$.operation.status.value", "FAILED"),
                    sfn.Condition.string_equals("$.operation.status.value", "STOPPED"),
                ),
                failed,
            )
            .when(
                sfn.Condition.number_greater_than_equals("$.operation.polls", poll.max_polls - 1), timed_out
            )
            .otherwise(count.next(wait))
        )
        return create

    def _start_stack_set_operation(self, stack_set_arns: list[str]) -> tasks.CallAwsService:
        """CreateStackInstances in the tenant account, under an operation id a retry repeats."""
        create = self.states.sdk(
            "CreateStackInstances",
            "cloudformation",
            "createStackInstances",
            {
                "StackSetName": sfn.JsonPath.string_at("$.stackSetName"),
                "Accounts": sfn.JsonPath.array(sfn.JsonPath.string_at("$.accountId")),
                "Regions": sfn.JsonPath.list_at("$.regions"),
                "ParameterOverrides": [
                    {"ParameterKey": "TenantId", "ParameterValue": sfn.JsonPath.string_at("$.tenantId")},
                    {"ParameterKey": "TenantTier", "ParameterValue": sfn.JsonPath.string_at("$.tier")},
                ],
                # Same id on a retry: CloudFormation runs the operation once.
                "OperationId": sfn.JsonPath.format(
                    "{}-{}", sfn.JsonPath.string_at("$.tenantId"), sfn.JsonPath.string_at("$.baseline")
                ),
                "OperationPreferences": {
                    "FailureToleranceCount": 0,
                    "MaxConcurrentCount": 1,
                    "RegionConcurrencyType": "PARALLEL",
                },
            },
            resources=stack_set_arns,
            retry=CLOUDFORMATION_RETRY,
            result_selector={"id": sfn.JsonPath.string_at("$.OperationId"), "polls": 0},
            result_path="$.operation",
        )
        STACK_SET_BUSY_RETRY.applied_to(create)
        return create

    def _stack_set_operation_failures(self, stack_set_arns: list[str]) -> tuple[sfn.IChainable, sfn.Fail]:
        """A FAILED/STOPPED operation (its per-instance results read first) and one still running."""
        poll = self.settings.baseline.poll
        results = self.states.stack_set_operation(
            "ReadStackSetOperationResults",
            "listStackSetOperationResults",
            stack_set_arns,
            result_selector={"summaries": sfn.JsonPath.list_at("$.Summaries")},
            result_path="$.operation.results",
            comment="Per-instance status and reason: the evidence a failed baseline reports",
        )
        failed = self._operation_failure(
            "BaselineOperationFailed",
            "ended {}: {}",
            sfn.JsonPath.json_to_string(sfn.JsonPath.list_at("$.operation.results.summaries")),
        )
        timed_out = self._operation_failure(
            "BaselineOperationTimedOut",
            "was still {} after {} polls {} seconds apart",
            str(poll.max_polls),
            str(poll.interval_seconds),
        )
        return results.next(failed), timed_out

    def _operation_failure(self, error: str, outcome: str, *details: str) -> sfn.Fail:
        """Fail with `error`; the cause names the StackSet and operation, then `outcome`: its first
        `{}` is the operation's status, the others `details`."""
        return sfn.Fail(
            self.scope,
            error,
            error=error,
            cause_path=sfn.JsonPath.format(
                f"StackSet {{}} operation {{}} {outcome}",
                sfn.JsonPath.string_at("$.stackSetName"),
                sfn.JsonPath.string_at("$.operation.id"),
                sfn.JsonPath.string_at("$.operation.status.value"),
                *details,
            ),
        )

    # ---- completion: activate the tenant, announce it ---------------------------------------

    def _complete(self) -> sfn.IChainable:
        activate = self.states.registry_update(
            "ActivateTenant",
            "SET #status = :active, tierDefaults = :defaults, baseline = :baseline, activatedAt = :now",
            {
                ":active": tasks.DynamoAttributeValue.from_string(ACTIVE),
                ":provisioning": tasks.DynamoAttributeValue.from_string(PROVISIONING),
                ":defaults": tasks.DynamoAttributeValue.map_from_json_path(
                    "$.request.registry.tierDefaults.M"
                ),
                ":baseline": tasks.DynamoAttributeValue.from_string_set(
                    sfn.JsonPath.list_at("$.baseline[*].stackSetName")
                ),
            },
            # ACTIVE under this execution is this task's own write whose answer was lost: apply it
            # again (same values); another execution's claim or any other status still fails.
            condition=f"{CONTRACT.EXECUTION_ATTRIBUTE} = :execution AND #status IN (:provisioning, :active)",
            comment="Seed the tenant record: ACTIVE, tier defaults and the applied baseline",
        )
        self._on_failure(activate, "ActivateTenant")
        detail = {
            "tenantId": sfn.JsonPath.string_at("$.request.tenantId"),
            "accountId": sfn.JsonPath.string_at("$.account.accountId"),
            "organizationalUnitId": sfn.JsonPath.string_at("$.request.organizationalUnitId"),
            "tier": sfn.JsonPath.string_at("$.request.tier"),
            "baseline": sfn.JsonPath.list_at("$.baseline[*].stackSetName"),
            "executionId": sfn.JsonPath.execution_id,
        }
        publish, notify = self.states.announce("TenantProvisioned", "Tenant provisioned", detail)
        # The tenant is ACTIVE by now: a lost notification must not quarantine a good account.
        not_notified = sfn.Fail(
            self.scope,
            "ProvisionedButNotNotified",
            error="NotificationFailed",
            comment="Tenant is ACTIVE; re-send TenantProvisioned from the registry record",
        )
        publish.add_catch(not_notified, errors=["States.ALL"])
        notify.add_catch(not_notified, errors=["States.ALL"])
        done = sfn.Pass(
            self.scope,
            "TenantProvisioned",
            parameters={
                "created": True,
                "tenant": {
                    **{key: value for key, value in detail.items() if key != "executionId"},
                    "status": ACTIVE,
                },
            },
        )
        notify.next(done)
        return activate.next(publish)

    # ---- failure path: quarantine a created account, mark FAILED, report -------------------

    def _failure_handler(self) -> sfn.IChainable:
        """Quarantine a created account, mark the tenant FAILED, announce it, fail the execution."""
        mark_failed = self._report_failure()
        find_parent = self._quarantine(mark_failed)
        no_account = sfn.Pass(
            self.scope,
            "NoAccountToQuarantine",
            parameters={"status": "NO_ACCOUNT"},
            result_path="$.quarantine",
        )
        no_account.next(mark_failed)
        locate = self._locate_account(find_parent, no_account, mark_failed)
        request_unresolved = self._not_quarantined(
            "AccountRequestUnresolved",
            "CreateAccount's answer was lost and not reconciled: an account tagged for the "
            "tenant may exist; mark the tenant, the cause says why",
            {},
            error="$.failure",
        )
        request_unresolved.next(mark_failed)
        return (
            sfn.Choice(self.scope, "AccountCreated")
            .when(sfn.Condition.is_present("$.account.accountId"), find_parent)
            .when(
                sfn.Condition.and_(
                    sfn.Condition.is_present("$.account.requestId"),
                    sfn.Condition.is_not_present("$.account.failureReason"),
                ),
                locate,
            )
            .when(
                sfn.Condition.and_(
                    sfn.Condition.is_present("$.account.state"),
                    sfn.Condition.string_equals("$.account.state", "UNCONFIRMED"),
                    # Reconciling proved it: the e-mail's account is not this claim's, none was made.
                    sfn.Condition.not_(
                        sfn.Condition.string_equals(
                            "$.failure.error", CONTRACT.EMAIL_BELONGS_TO_ANOTHER_ACCOUNT
                        )
                    ),
                ),
                request_unresolved,
            )
            .otherwise(no_account)
        )

    def _quarantine(self, mark_failed: sfn.IChainable) -> sfn.IChainable:
        """Move the created account to the quarantine OU (best effort), then mark the tenant."""
        quarantine_ou = self.settings.quarantine_ou_id
        find_parent = self.states.account_parent("FindQuarantineSource", "$.quarantineSource")
        move = self.states.move_account("QuarantineAccount", "$.quarantineSource.parentId", quarantine_ou)
        quarantined = sfn.Pass(
            self.scope,
            "AccountQuarantined",
            parameters={
                "status": "QUARANTINED",
                "organizationalUnitId": quarantine_ou,
                "accountId": sfn.JsonPath.string_at("$.account.accountId"),
            },
            result_path="$.quarantine",
        )
        quarantine_failed = self._not_quarantined(
            "QuarantineFailed",
            "Still mark the tenant FAILED; the event carries the quarantine error",
            {"accountId": sfn.JsonPath.string_at("$.account.accountId")},
        )
        move.add_catch(
            quarantined, errors=["Organizations.DuplicateAccountException"], result_path="$.caught"
        )
        for state in (find_parent, move):
            state.add_catch(quarantine_failed, errors=["States.ALL"], result_path="$.caught")
        find_parent.next(move).next(quarantined)
        quarantined.next(mark_failed)
        quarantine_failed.next(mark_failed)
        return find_parent

    def _locate_account(
        self, find_parent: sfn.IChainable, no_account: sfn.IChainable, mark_failed: sfn.IChainable
    ) -> sfn.IChainable:
        """The account was requested but its id is not known yet (the failure came while polling,
        or while recording the request): ask Organizations, so an account that exists is
        quarantined rather than left in the root."""
        locate = self.states.create_account_status(
            "LocateAccount",
            {"state": "State"},
            "$.account.status",
            comment="Was the requested account created after all?",
        )
        resolve = self.states.create_account_status(
            "ResolveAccountId", {"requestId": "Id", "accountId": "AccountId"}, "$.account"
        )
        account_unknown = self._not_quarantined(
            "AccountUnknown",
            "Whether the account exists is unknown: mark the tenant; the request id finds it later",
            {"requestId": sfn.JsonPath.string_at("$.account.requestId")},
        )
        for state in (locate, resolve):
            state.add_catch(account_unknown, errors=["States.ALL"], result_path="$.caught")
        account_unknown.next(mark_failed)
        resolve.next(find_parent)
        locate.next(
            sfn.Choice(self.scope, "RequestedAccountExists")
            .when(sfn.Condition.string_equals("$.account.status.state", "SUCCEEDED"), resolve)
            .otherwise(no_account)
        )
        return locate

    def _not_quarantined(
        self, construct_id: str, comment: str, known: dict[str, str], *, error: str = "$.caught"
    ) -> sfn.Pass:
        """`$.quarantine` QUARANTINE_FAILED: what is `known` of the account and the error at `error`
        (a catcher's `Error`/`Cause`, or the failure's own `error`/`cause`)."""
        error_key, cause_key = ("Error", "Cause") if error == "$.caught" else ("error", "cause")
        return sfn.Pass(
            self.scope,
            construct_id,
            comment=comment,
            parameters={
                "status": "QUARANTINE_FAILED",
                **known,
                "error": sfn.JsonPath.string_at(f"{error}.{error_key}"),
                "cause": sfn.JsonPath.string_at(f"{error}.{cause_key}"),
            },
            result_path="$.quarantine",
        )

    def _report_failure(self) -> tasks.DynamoUpdateItem:
        """Mark the tenant FAILED, publish and notify (each best effort), fail with the named error."""
        mark_failed = self.states.registry_update(
            "MarkTenantFailed",
            "SET #status = :failed, failedStep = :step, failureError = :error, "
            "failureCause = :cause, quarantine = :quarantine, failedAt = :now",
            {
                ":failed": tasks.DynamoAttributeValue.from_string(FAILED),
                ":step": string_value("$.failure.step"),
                ":error": string_value("$.failure.error"),
                ":cause": string_value("$.failure.cause"),
                ":quarantine": string_value("$.quarantine.status"),
            },
        )
        publish, notify = self.states.announce(
            "TenantProvisioningFailed", "Tenant provisioning failed", self._failure_detail()
        )
        fail = sfn.Fail(
            self.scope,
            "ProvisioningFailed",
            error_path="$.failure.error",
            cause_path="$.failure.cause",
        )
        # Each reporting step is best effort: the execution still ends in the named error.
        mark_failed.add_catch(publish, errors=["States.ALL"], result_path="$.caught")
        publish.add_catch(notify, errors=["States.ALL"], result_path="$.caught")
        notify.add_catch(fail, errors=["States.ALL"], result_path="$.caught")
        notify.next(fail)
        mark_failed.next(publish)
        return mark_failed

    def _failure_detail(self) -> dict[str, Any]:
        return {
            "tenantId": sfn.JsonPath.string_at("$.request.tenantId"),
            "step": sfn.JsonPath.string_at("$.failure.step"),
            "error": sfn.JsonPath.string_at("$.failure.error"),
            "cause": sfn.JsonPath.string_at("$.failure.cause"),
            "account": sfn.JsonPath.object_at("$.account"),
            "quarantine": sfn.JsonPath.object_at("$.quarantine"),
            "executionId": sfn.JsonPath.execution_id,
        }
