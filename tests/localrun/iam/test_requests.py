"""SDK calls mapped to the IAM actions, resources and condition keys they are authorized as."""

from __future__ import annotations

from typing import Any

from localrun.iam.requests import UNMAPPED, Call, requests_for

ROLE = "arn:aws:iam::123456789012:role/Worker"


def asked(signing_name: str, operation: str, **params: Any) -> list[tuple[str, str]]:
    call = Call(signing_name, operation, params, region="us-east-1", account_id="123456789012")
    return [(request.action, request.resource) for request in requests_for(call, ROLE)]


def context(signing_name: str, operation: str, **params: Any) -> dict[str, Any]:
    call = Call(signing_name, operation, params, region="us-east-1", account_id="123456789012")
    return dict(requests_for(call, ROLE)[0].context)


def test_dynamodb_items_tables_and_indexes() -> None:
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/Ledger"
    assert asked("dynamodb", "UpdateItem", TableName="Ledger", Key={}) == [("dynamodb:UpdateItem", table)]
    assert asked("dynamodb", "Query", TableName="Ledger", IndexName="ByDay") == [
        ("dynamodb:Query", f"{table}/index/ByDay")
    ]


def test_a_transaction_asks_for_each_item_s_own_action() -> None:
    items = [
        {"Put": {"TableName": "Ledger", "Item": {}}},
        {"Update": {"TableName": "Accounts", "Key": {}}},
        {"ConditionCheck": {"TableName": "Ledger", "Key": {}}},
    ]
    assert [action for action, _ in asked("dynamodb", "TransactWriteItems", TransactItems=items)] == [
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
    ]


def test_dynamodb_attributes_are_the_names_the_request_touches() -> None:
    found = context(
        "dynamodb",
        "UpdateItem",
        TableName="Status",
        Key={"orderId": {"S": "o-1"}},
        UpdateExpression="SET #d = :d, approvalComment = :c",
        ExpressionAttributeNames={"#d": "approvalDecision"},
    )
    assert found["dynamodb:Attributes"] == ["orderId", "approvalDecision", "approvalComment"]


def test_s3_operations_authorized_under_other_names_and_the_prefix_key() -> None:
    assert asked("s3", "HeadObject", Bucket="docs", Key="a/b.txt") == [
        ("s3:GetObject", "arn:aws:s3:::docs/a/b.txt")
    ]
    assert asked("s3", "ListObjectsV2", Bucket="docs", Prefix="documents/") == [
        ("s3:ListBucket", "arn:aws:s3:::docs")
    ]
    assert context("s3", "ListObjectsV2", Bucket="docs", Prefix="documents/")["s3:prefix"] == "documents/"
    assert "s3:prefix" not in context("s3", "ListObjectsV2", Bucket="docs")
    assert asked("s3", "CopyObject", Bucket="out", Key="b", CopySource={"Bucket": "in", "Key": "a"}) == [
        ("s3:GetObject", "arn:aws:s3:::in/a"),
        ("s3:PutObject", "arn:aws:s3:::out/b"),
    ]


def test_lambda_sqs_events_kms_cloudwatch() -> None:
    function = "arn:aws:lambda:us-east-1:123456789012:function:charge"
    assert asked("lambda", "Invoke", FunctionName=function) == [("lambda:InvokeFunction", function)]
    assert asked(
        "sqs", "SendMessageBatch", QueueUrl="https://sqs.us-east-1.amazonaws.com/123456789012/q", Entries=[]
    ) == [("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q")]
    assert asked("events", "PutEvents", Entries=[{"Detail": "{}"}]) == [
        ("events:PutEvents", "arn:aws:events:us-east-1:123456789012:event-bus/default")
    ]
    entries = [{"Source": "stepwise.agent"}, {"Source": "other"}, {"Source": "stepwise.agent"}]
    sources = [
        dict(request.context).get("events:source")
        for request in requests_for(
            Call("events", "PutEvents", {"Entries": entries}, region="us-east-1", account_id="123456789012"),
            ROLE,
        )
    ]
    assert sources == ["other", "stepwise.agent"]
    assert context("events", "PutEvents", Entries=[{"Source": "stepwise.agent"}])["events:source"] == (
        "stepwise.agent"
    )
    assert asked("kms", "Decrypt", KeyId="k-1") == [
        ("kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/k-1")
    ]
    assert context("kms", "Decrypt", KeyId="k-1", EncryptionContext={"orderId": "o-1"})[
        "kms:EncryptionContextKeys"
    ] == ["orderId"]
    assert asked("monitoring", "PutMetricData", Namespace="Stepwise") == [
        ("cloudwatch:PutMetricData", UNMAPPED)
    ]
    assert context("monitoring", "PutMetricData", Namespace="Stepwise")["cloudwatch:namespace"] == "Stepwise"


def test_request_tags_and_global_keys() -> None:
    found = context("organizations", "CreateAccount", Tags=[{"Key": "stepwise:tenant", "Value": "t-1"}])
    assert found["aws:RequestTag/stepwise:tenant"] == "t-1"
    assert found["aws:TagKeys"] == ["stepwise:tenant"]
    assert found["aws:SecureTransport"] is True
    assert found["aws:PrincipalArn"] == ROLE


def test_a_passed_role_asks_for_pass_role_to_the_receiving_service() -> None:
    role = "arn:aws:iam::123456789012:role/GroundTruth"
    call = Call(
        "sagemaker", "CreateLabelingJob", {"RoleArn": role}, region="us-east-1", account_id="123456789012"
    )
    requests = requests_for(call, ROLE)
    assert [(request.action, request.resource) for request in requests][-1] == ("iam:PassRole", role)
    assert requests[-1].context["iam:PassedToService"] == "sagemaker.amazonaws.com"


def test_calls_that_need_no_permission_and_unmapped_resources() -> None:
    assert asked("sts", "GetCallerIdentity") == []
    assert asked("organizations", "DescribeOrganization") == [
        ("organizations:DescribeOrganization", UNMAPPED)
    ]


def test_converse_is_authorized_as_invoke_model_on_the_model_or_its_inference_profile() -> None:
    model = "anthropic.claude-3-5-haiku-20241022-v1:0"
    assert asked("bedrock", "Converse", modelId=model) == [
        ("bedrock:InvokeModel", f"arn:aws:bedrock:us-east-1::foundation-model/{model}")
    ]
    assert asked("bedrock", "Converse", modelId=f"us.{model}") == [
        ("bedrock:InvokeModel", f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{model}"),
        ("bedrock:InvokeModel", f"arn:aws:bedrock:us-east-1::foundation-model/{model}"),
    ]


def test_apply_guardrail_names_the_guardrail_by_id_or_arn() -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr-1"
    assert asked("bedrock", "ApplyGuardrail", guardrailIdentifier="gr-1", guardrailVersion="1") == [
        ("bedrock:ApplyGuardrail", arn)
    ]
    assert asked("bedrock", "ApplyGuardrail", guardrailIdentifier=arn) == [("bedrock:ApplyGuardrail", arn)]
