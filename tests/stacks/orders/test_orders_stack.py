"""The synthesized order saga: the state graph, the saga's wiring, alarms and least privilege."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.config import ConfigError, load_environment
from stacks.orders.settings import OrdersSettings
from stacks.orders.stack import OrdersStack
from tests.support.asl import catches, iter_states, states_by_name
from tests.support.environments import environment_names
from tests.support.synth import app_stacks, definitions_of, fresh_app, resources, template_of

ENVIRONMENTS = environment_names("orders")


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return template_of("dev", "orders")


@pytest.fixture(scope="module")
def asl(template: dict[str, Any]) -> dict[str, Any]:
    [definition] = definitions_of(template).values()
    return definition


@pytest.fixture(scope="module")
def states(asl: dict[str, Any]) -> dict[str, Mapping[str, Any]]:
    return states_by_name(asl)


def chain(states: Mapping[str, Mapping[str, Any]], start: str, length: int) -> list[str]:
    names = [start]
    while len(names) < length:
        names.append(states[names[-1]]["Next"])
    return names


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_stack_name_and_standard_workflow(env_name: str) -> None:
    stack = app_stacks(env_name)["orders"]
    assert stack.stack_name == f"Stepwise-{env_name}-Orders"
    [machine] = resources(template_of(env_name, "orders"), "AWS::StepFunctions::StateMachine").values()
    assert machine["Properties"]["StateMachineType"] == "STANDARD"
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def test_execution_timeout_covers_the_approval_and_the_parked_waits(asl: dict[str, Any]) -> None:
    settings = OrdersSettings()
    waits = settings.approval_timeout_seconds + settings.parked_timeout_days * 86_400
    assert asl["TimeoutSeconds"] == waits + 3600
    assert asl["TimeoutSeconds"] < 365 * 86_400, "within a Standard execution's one year"


def test_forward_path(states: dict[str, Mapping[str, Any]], asl: dict[str, Any]) -> None:
    assert asl["StartAt"] == "Validate"
    assert chain(states, "Validate", 4) == ["Validate", "RecordReserving", "ReserveInventory", "Route"]
    assert chain(states, "RecordCharging", 8) == [
        "RecordCharging",
        "ChargePayment",
        "RecordShipping",
        "CreateShipment",
        "Notify",
        "SettleInventory",
        "RecordCompleted",
        "OrderCompleted",
    ]
    routes = {rule["Variable"]: rule["Next"] for rule in states["Route"]["Choices"]}
    assert routes == {
        "$.reservation.outOfStock": "OutOfStock",
        "$.reservation.failed": "ReservationFailed",
        "$.order.requiresApproval": "RequestApproval",
    }
    assert states["Route"]["Default"] == "RecordCharging"
    assert states["RequestApproval"]["Next"] == "RecordCharging"


def test_compensations_run_in_reverse(states: dict[str, Mapping[str, Any]]) -> None:
    assert chain(states, "RecordCancelling", 7) == [
        "RecordCancelling",
        "CancelShipment",
        "RecordRefunding",
        "RefundPayment",
        "RecordReleasing",
        "ReleaseInventory",
        "Outcome",
    ]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (
            "Validate",
            {
                "InvalidOrder": "ExplainInvalidOrder",
                "InvalidInput": "ExplainInvalidOrder",
                "UnknownSku": "ExplainRefusedOrder",
                "InactiveSku": "ExplainRefusedOrder",
                "PriceChanged": "ExplainRefusedOrder",
                "PaymentMethodNotOwned": "ExplainRefusedOrder",
                "DuplicateOrder": "DuplicateOrder",
                "States.ALL": "OrderNotAccepted",
            },
        ),
        (
            "RecordReserving",
            {
                "DynamoDB.ConditionalCheckFailedException": "DuplicateOrder",
                "States.ALL": "ForgetPersonalData",
            },
        ),
        ("ForgetPersonalData", {"States.ALL": "OrderNotAccepted"}),
        ("ReserveInventory", {"States.ALL": "RecordReleasing"}),
        (
            "RequestApproval",
            {
                "OrderRejected": "RecordReleasing",
                "States.Timeout": "ApprovalTimedOut",
                "States.ALL": "RecordReleasing",
            },
        ),
        ("RecordCharging", {"States.ALL": "RecordReleasing"}),
        (
            "ChargePayment",
            {
                "PaymentDeclined": "RecordReleasing",
                "PaymentMethodNotOwned": "RecordReleasing",
                "States.ALL": "RecordRefunding",
            },
        ),
        ("RecordShipping", {"States.ALL": "RecordRefunding"}),
        ("CreateShipment", {"AddressUndeliverable": "RecordRefunding", "States.ALL": "RecordCancelling"}),
        ("Notify", {"States.ALL": "RecordCancelling"}),
        ("SettleInventory", {"States.ALL": "ParkOrder"}),
        ("RecordCompleted", {"States.ALL": "ParkOrder"}),
        ("RecordCancelling", {"States.ALL": "ParkOrder"}),
        ("CancelShipment", {"States.ALL": "ParkOrder"}),
        ("RefundPayment", {"States.ALL": "ParkOrder"}),
        ("ReleaseInventory", {"States.ALL": "ParkOrder"}),
        ("RecordFailed", {"States.ALL": "ParkOrder"}),
        ("RecordRejected", {"States.ALL": "ParkOrder"}),
    ],
)
def test_each_failure_starts_the_right_compensation(
    states: dict[str, Mapping[str, Any]], state: str, expected: dict[str, str]
) -> None:
    assert catches(states[state]) == expected


def test_every_task_has_a_timeout_and_a_retry(asl: dict[str, Any]) -> None:
    tasks = [ref for ref in iter_states(asl) if ref.type == "Task"]
    assert len(tasks) >= 20
    for ref in tasks:
        assert ref.state.get("TimeoutSeconds") or ref.state.get("HeartbeatSeconds"), ref.location
        assert ref.state.get("Retry"), ref.location


def test_compensations_retry_every_error_except_the_final_ones(
    states: dict[str, Mapping[str, Any]],
) -> None:
    attempts = OrdersSettings().compensation_max_attempts
    expected_final = {
        "RefundPayment": ["RefundImpossible", "PaymentConflict"],
        "CancelShipment": ["ShipmentNotCancellable"],
        "ReleaseItem": ["DynamoDB.ConditionalCheckFailedException"],
    }
    for name, final in expected_final.items():
        first, *rest = states[name]["Retry"]
        assert (first["ErrorEquals"], first["MaxAttempts"]) == (final, 0), name
        assert {"ErrorEquals": ["States.ALL"], "MaxAttempts": attempts} | rest[-1] == rest[-1]


def test_reservation_is_a_native_conditional_update(states: dict[str, Mapping[str, Any]]) -> None:
    reserve_map = states["ReserveInventory"]
    assert reserve_map["ItemsPath"] == "$.order.items"
    assert reserve_map["MaxConcurrency"] == OrdersSettings().reservation_concurrency
    reserve = states["ReserveItem"]
    assert reserve["Resource"].endswith(":states:::dynamodb:updateItem")
    parameters = reserve["Parameters"]
    assert parameters["ConditionExpression"] == ("available >= :quantity AND attribute_not_exists(#hold)")
    assert parameters["UpdateExpression"] == "SET available = available - :quantity, #hold = :quantity"
    assert parameters["ExpressionAttributeNames"] == {"#hold.$": "States.Format('reservation:{}', $.orderId)"}
    assert catches(reserve) == {
        "DynamoDB.ConditionalCheckFailedException": "ConfirmReservation",
        "States.ALL": "ReservationUnknown",
    }
    assert catches(states["ConfirmReservation"]) == {
        "DynamoDB.ConditionalCheckFailedException": "NotEnoughStock",
        "States.ALL": "ReservationUnknown",
    }


def test_release_and_settle_only_touch_this_orders_reservation(
    states: dict[str, Mapping[str, Any]],
) -> None:
    for name in ("ReleaseItem", "SettleItem"):
        parameters = states[name]["Parameters"]
        assert parameters["ConditionExpression"] == "#hold = :quantity"
        assert parameters["UpdateExpression"].endswith("REMOVE #hold")


def test_approval_waits_for_a_token_with_the_configured_timeout(
    states: dict[str, Mapping[str, Any]],
) -> None:
    approval = states["RequestApproval"]
    assert approval["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken")
    assert approval["TimeoutSeconds"] == OrdersSettings().approval_timeout_seconds
    assert approval["Parameters"]["Payload"]["input"]["taskToken.$"] == "$$.Task.Token"


def test_charge_and_shipment_get_the_order_id_not_the_personal_data(
    states: dict[str, Mapping[str, Any]],
) -> None:
    charge = states["ChargePayment"]["Parameters"]["input"]
    assert set(charge) == {"orderId.$", "customerId.$", "amountMinor.$", "currency.$"}
    ship = states["CreateShipment"]["Parameters"]["input"]
    assert set(ship) == {"orderId.$", "items.$"}


def test_notify_fans_out_to_sns_and_eventbridge(states: dict[str, Mapping[str, Any]]) -> None:
    branches = [branch["StartAt"] for branch in states["Notify"]["Branches"]]
    assert branches == ["PublishConfirmation", "PublishOrderCompleted"]
    assert states["PublishConfirmation"]["Resource"].endswith(":states:::sns:publish")
    entry = states["PublishOrderCompleted"]["Parameters"]["Entries"][0]
    assert (entry["Source"], entry["DetailType"]) == ("stepwise.orders", "OrderCompleted")


def test_parking_is_best_effort_then_waits_for_the_operator(
    states: dict[str, Mapping[str, Any]],
) -> None:
    assert chain(states, "ParkOrder", 5) == [
        "ParkOrder",
        "RecordNeedsAttention",
        "CountParkedOrder",
        "AwaitOperator",
        "OperatorDecision",
    ]
    assert catches(states["ParkOrder"]) == {"States.ALL": "RecordNeedsAttention"}
    assert catches(states["RecordNeedsAttention"]) == {"States.ALL": "CountParkedOrder"}
    assert catches(states["CountParkedOrder"]) == {"States.ALL": "AwaitOperator"}
    metric = states["CountParkedOrder"]["Parameters"]
    assert metric["Namespace"] == "Stepwise"
    assert metric["MetricData"][0]["MetricName"] == "OrdersParked"
    assert states["CountParkedOrder"]["ResultPath"] == "$.parkedMetric", "the state goes on to the wait"
    # The timeout, a SendTaskFailure or a failure to store the token: still parked.
    assert catches(states["AwaitOperator"]) == {"States.ALL": "RecordLeftParked"}
    decision = states["OperatorDecision"]
    routes = {rule["And"][1]["StringEquals"]: rule["Next"] for rule in decision["Choices"]}
    assert routes == {"RETRY": "ResumeCompensation", "GIVE_UP": "OperatorGaveUp"}
    assert all(
        rule["And"][0] == {"Variable": "$.operator.decision", "IsPresent": True}
        for rule in decision["Choices"]
    )
    assert decision["Default"] == "AwaitOperator", "any other answer: ask again"
    assert states["OperatorGaveUp"]["Next"] == "RecordLeftParked"
    assert chain(states, "RecordLeftParked", 2) == ["RecordLeftParked", "NeedsAttention"]
    assert catches(states["RecordLeftParked"]) == {"States.ALL": "NeedsAttention"}
    assert states["NeedsAttention"]["Error"] == "OrderNeedsAttention"


def test_the_operator_wait_stores_a_token_with_the_configured_timeout(
    states: dict[str, Mapping[str, Any]],
) -> None:
    wait = states["AwaitOperator"]
    assert wait["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken")
    assert wait["TimeoutSeconds"] == OrdersSettings().parked_timeout_days * 86_400
    assert wait["Parameters"]["Payload"]["input"] == {
        "orderId.$": "$.order.orderId",
        "step.$": "$.progress.step",
        "error.$": "$.compensationFailure.Error",
        "taskToken.$": "$$.Task.Token",
    }
    assert wait["ResultPath"] == "$.operator"


def test_a_retry_resumes_at_the_recorded_steps_compensation(states: dict[str, Mapping[str, Any]]) -> None:
    resume = states["ResumeCompensation"]
    [forward, cancel, refund] = resume["Choices"]
    assert forward == {"Variable": "$.failure", "IsPresent": False, "Next": "SettleInventory"}
    steps = {rule["Next"]: sorted(c["StringEquals"] for c in rule["Or"]) for rule in (cancel, refund)}
    assert steps == {
        "RecordCancelling": ["CANCEL_SHIPMENT", "CREATE_SHIPMENT"],
        "RecordRefunding": ["CHARGE_PAYMENT", "REFUND_PAYMENT"],
    }
    assert resume["Default"] == "RecordReleasing"


def test_every_status_change_removes_a_stored_task_token(states: dict[str, Mapping[str, Any]]) -> None:
    records = [name for name, state in states.items() if name.startswith("Record")]
    assert len(records) >= 11
    for name in records:
        expression = states[name]["Parameters"]["UpdateExpression"]
        assert expression.endswith("REMOVE approvalTokenCiphertext, parkedTokenCiphertext"), name


def test_parked_queue_is_encrypted_and_alarmed(template: dict[str, Any]) -> None:
    queues = resources(template, "AWS::SQS::Queue")
    assert all(queue["Properties"].get("SqsManagedSseEnabled") for queue in queues.values())
    alarms = [alarm["Properties"] for alarm in resources(template, "AWS::CloudWatch::Alarm").values()]
    parked = [alarm for alarm in alarms if alarm.get("MetricName") == "OrdersParked"]
    assert len(parked) == 1
    assert parked[0]["Namespace"] == "Stepwise"
    assert {"Name": "Environment", "Value": "dev"} in parked[0]["Dimensions"]
    assert parked[0]["AlarmActions"]
    waiting = {
        a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]: a
        for a in alarms
        if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    assert set(waiting) == set(queues)  # the parked queue and its dead-letter queue
    assert all(alarm["AlarmActions"] for alarm in waiting.values())


def test_topics_are_kms_encrypted(template: dict[str, Any]) -> None:
    topics = resources(template, "AWS::SNS::Topic")
    assert len(topics) == 3
    assert all("KmsMasterKeyId" in topic["Properties"] for topic in topics.values())


def test_eight_tables_with_point_in_time_recovery(template: dict[str, Any]) -> None:
    tables = resources(template, "AWS::DynamoDB::GlobalTable")
    assert len(tables) == 8
    for table in tables.values():
        replica = table["Properties"]["Replicas"][0]
        assert replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
    ttl = [t for t in tables.values() if "TimeToLiveSpecification" in t["Properties"]]
    assert sorted(t["Properties"]["TimeToLiveSpecification"]["AttributeName"] for t in ttl) == [
        "expiration",
        "expiresAt",
    ]


def _policy_of(template: dict[str, Any], construct: str) -> list[dict[str, Any]]:
    for key, resource in resources(template, "AWS::IAM::Policy").items():
        if key.startswith(f"Workflow{construct}Role"):
            return list(resource["Properties"]["PolicyDocument"]["Statement"])
    raise KeyError(construct)


def _targets(statements: list[dict[str, Any]]) -> str:
    return json.dumps([statement["Resource"] for statement in statements])


def test_functions_have_least_privilege(template: dict[str, Any]) -> None:
    tables = {
        key.removeprefix("Workflow")[:6]: key for key in resources(template, "AWS::DynamoDB::GlobalTable")
    }
    charge = _targets(_policy_of(template, "ChargePayment"))
    assert tables["Paymen"] in charge and tables["Idempo"] in charge
    assert tables["Invent"] not in charge and tables["OrderS"] not in charge
    ship = _targets(_policy_of(template, "CreateShipment"))
    assert tables["Shipme"] in ship and tables["Paymen"] not in ship
    validate = [s for s in _policy_of(template, "Validate") if "dynamodb" in json.dumps(s["Action"])]
    assert [(s["Action"], s["Resource"]["Fn::GetAtt"][0]) for s in validate] == [
        ("dynamodb:PutItem", tables["Person"]),
        ("dynamodb:BatchGetItem", tables["Catalo"]),
        (["dynamodb:GetItem", "dynamodb:PutItem"], tables["Custom"]),
        ("dynamodb:GetItem", tables["Paymen"]),
    ]


def _statements(template: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [
        statement
        for key, policy in resources(template, "AWS::IAM::Policy").items()
        if key.startswith(prefix)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: Mapping[str, Any]) -> list[str]:
    action = statement["Action"]
    return list(action) if isinstance(action, list) else [action]


DECIDERS = {
    # role prefix: (key prefix, the function that stores its tokens, its status item attributes)
    "Approver": (
        "WorkflowApprovalTokenKey",
        "RequestApproval",
        {"approvalTokenCiphertext", "approvalDecision", "approvalReviewer", "approvalReviewerId",
         "approvalComment", "approvalDecidedAt"},
    ),
    "ParkedOrderOperator": (
        "WorkflowOperatorTokenKey",
        "AwaitOperator",
        {"parkedTokenCiphertext", "parkedDecision", "parkedOperator", "parkedOperatorId", "parkedComment",
         "parkedDecidedAt"},
    ),
}  # fmt: skip


def test_only_the_approver_and_operator_roles_answer_task_tokens(template: dict[str, Any]) -> None:
    holders = {
        key.removeprefix("Workflow").split("DefaultPolicy")[0]
        for key, policy in resources(template, "AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if {"states:SendTaskSuccess", "states:SendTaskFailure"} & set(_actions(statement))
    }
    assert {holder.rstrip("0123456789ABCDEF") for holder in holders} == set(DECIDERS)


@pytest.mark.parametrize("role", sorted(DECIDERS))
def test_a_deciding_role_writes_only_its_answer_on_a_status_item(template: dict[str, Any], role: str) -> None:
    updates = [s for s in _statements(template, f"Workflow{role}") if "dynamodb:UpdateItem" in _actions(s)]
    [update] = updates
    attributes = set(update["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"])
    assert attributes == {"orderId", *DECIDERS[role][2]}


@pytest.mark.parametrize("role", sorted(DECIDERS))
def test_only_the_deciding_role_can_decrypt_its_stored_tokens(template: dict[str, Any], role: str) -> None:
    key_prefix, encrypter, _ = DECIDERS[role]
    [key_id] = [key for key in resources(template, "AWS::KMS::Key") if key.startswith(key_prefix)]
    [role_id] = [
        key
        for key in resources(template, "AWS::IAM::Role")
        if key.startswith(f"Workflow{role}") and len(key.removeprefix(f"Workflow{role}")) == 8
    ]
    policy = resources(template, "AWS::KMS::Key")[key_id]["Properties"]["KeyPolicy"]["Statement"]
    [deny] = [s for s in policy if s["Effect"] == "Deny"]
    assert (deny["Action"], deny["Principal"]) == ("kms:Decrypt", {"AWS": "*"})
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": [role_id, "Arn"]}}}
    decrypters = {
        key.split("Role")[0].split("DefaultPolicy")[0].removeprefix("Workflow")
        for key, policy in resources(template, "AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "kms:Decrypt" in _actions(statement) and key_id in json.dumps(statement["Resource"])
    }
    assert decrypters == {role}
    encrypters = {
        key.split("Role")[0].removeprefix("Workflow")
        for key, policy in resources(template, "AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "kms:Encrypt" in _actions(statement) and key_id in json.dumps(statement["Resource"])
    }
    assert encrypters == {encrypter}


def test_the_approver_role_trusts_the_configured_principals_only() -> None:
    settings = {"approverPrincipals": ["arn:aws:iam::111111111111:role/order-reviewers"]}
    config = load_environment({"qa": {"sandbox": True, "orders": settings}}, "qa")
    stack = OrdersStack(fresh_app(), config)
    roles = resources(Template.from_stack(stack).to_json(), "AWS::IAM::Role")
    [approver] = [role for key, role in roles.items() if key.startswith("WorkflowApprover")]
    [trust] = approver["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": "arn:aws:iam::111111111111:role/order-reviewers"}


def test_the_operator_role_trusts_the_configured_principals_only() -> None:
    settings = {"operatorPrincipals": ["arn:aws:iam::111111111111:role/order-operators"]}
    config = load_environment({"qa": {"sandbox": True, "orders": settings}}, "qa")
    roles = resources(Template.from_stack(OrdersStack(fresh_app(), config)).to_json(), "AWS::IAM::Role")
    [operator] = [role for key, role in roles.items() if key.startswith("WorkflowParkedOrderOperator")]
    [trust] = operator["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": "arn:aws:iam::111111111111:role/order-operators"}


def test_only_validate_writes_and_only_charge_and_shipment_read_the_personal_data(
    template: dict[str, Any],
) -> None:
    [table] = [key for key in resources(template, "AWS::DynamoDB::GlobalTable") if "PersonalData" in key]
    users = {}
    for key, policy in resources(template, "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if table in json.dumps(statement["Resource"]):
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                users[key.removeprefix("Workflow").split("Role")[0]] = sorted(actions)
    assert users == {
        "Validate": ["dynamodb:PutItem"],
        "ChargePayment": ["dynamodb:GetItem"],
        "CreateShipment": ["dynamodb:GetItem"],
        "StateMachine": ["dynamodb:DeleteItem"],
    }


def test_personal_data_never_travels_in_task_payloads_or_messages(asl: dict[str, Any]) -> None:
    """The state holds no personal data; the definition reads no path that used to hold it."""
    text = json.dumps(asl)
    for path in ("$.order.payment", "$.order.shippingAddress", "$$.Task.Token"):
        occurrences = text.count(f'"{path}')
        # The token goes to the two functions that store it encrypted, nowhere else.
        assert occurrences == (2 if path == "$$.Task.Token" else 0), path


def test_forgetting_the_personal_data_deletes_only_this_executions_item(
    states: dict[str, Mapping[str, Any]],
) -> None:
    forget = states["ForgetPersonalData"]
    assert forget["Resource"].endswith(":states:::dynamodb:deleteItem")
    assert forget["Parameters"]["ConditionExpression"] == "executionId = :executionId"
    assert forget["Parameters"]["ExpressionAttributeValues"][":executionId"] == {"S.$": "$$.Execution.Id"}
    assert forget["Next"] == "OrderNotAccepted"


def test_the_parked_message_names_the_order_step_error_and_execution_only(
    states: dict[str, Mapping[str, Any]],
) -> None:
    body = states["ParkOrder"]["Parameters"]["MessageBody"]
    assert body == {
        "orderId.$": "$.order.orderId",
        "executionId.$": "$$.Execution.Id",
        "parkedAt.$": "$$.State.EnteredTime",
        "step.$": "$.progress.step",
        "error.$": "$.compensationFailure.Error",
    }


def test_metric_permission_is_limited_to_the_namespace(template: dict[str, Any]) -> None:
    statements = [
        statement
        for key, policy in resources(template, "AWS::IAM::Policy").items()
        if key.startswith("WorkflowStateMachineRole")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    [metric] = [s for s in statements if s["Action"] == "cloudwatch:PutMetricData"]
    assert metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Stepwise"}}


def test_validate_reads_its_rules_from_settings(template: dict[str, Any]) -> None:
    functions = resources(template, "AWS::Lambda::Function")
    [validate] = [f for key, f in functions.items() if key.startswith("WorkflowValidate")]
    environment = validate["Properties"]["Environment"]["Variables"]
    assert json.loads(environment["CURRENCIES"])["USD"] == {
        "minorUnits": 2,
        "approvalThreshold": "1000",
    }
    assert validate["Properties"]["Handler"] == "orders.validate.handler"


def test_outputs_for_the_operator_tools(template: dict[str, Any]) -> None:
    assert {
        "StateMachineArn",
        "StatusTableName",
        "PersonalDataTableName",
        "CatalogTableName",
        "ApproverRoleArn",
        "OperatorRoleArn",
        "ParkedQueueUrl",
    } <= set(template["Outputs"])


def test_orders_settings_are_validated_with_the_key_named() -> None:
    environments = {"dev": {"orders": {"approvalTimeoutSeconds": 10}}}
    with pytest.raises(ConfigError, match=r"environments\.dev\.orders\.approvalTimeoutSeconds"):
        load_environment(environments, "dev")
    with pytest.raises(ConfigError, match=r"environments\.dev\.orders\.maxItem.*unknown key"):
        load_environment({"dev": {"orders": {"maxItem": 3}}}, "dev")
    config = load_environment(
        {"dev": {"orders": {"currencies": {"JPY": {"minorUnits": 0, "approvalThreshold": 100000}}}}},
        "dev",
    )
    assert list(config.orders.currencies) == ["JPY"]
