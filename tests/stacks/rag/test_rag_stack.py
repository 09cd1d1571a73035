"""The synthesized RAG ingestion stack: workflow shape, every task's safety net, storage, IAM, trigger."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from stacks.common.contracts import handler_contract
from stacks.common.tasks import LAMBDA_TRANSIENT_ERRORS
from tests.support.asl import is_distributed_map, iter_states
from tests.support.cfn_tokens import definition_of
from tests.support.environments import environment_names
from tests.support.synth import app_stacks, template_of

ENVIRONMENTS = environment_names("rag")
CHILD_STEPS = ("Fetch", "Parse", "Chunk", "Embed", "Upsert", "Validate", "Commit", "RemoveDocument")
# The failure recorder and the outcome writer catch into OutcomeNotRecorded: the batch's output
# then names the document and the error, and the report lists it failed.
RECORDERS = {"RecordOutcome"}
CONTRACT = handler_contract("rag")
# Read with a default by the handler, never set by the stack.
OPTIONAL_ENVIRONMENT = {CONTRACT.SWEEP_GRACE_ENV}


def resources(env: str, kind: str) -> dict[str, dict[str, Any]]:
    template = template_of(env, "rag")
    return {key: value for key, value in template["Resources"].items() if value["Type"] == kind}


def only(env: str, kind: str) -> dict[str, Any]:
    (resource,) = resources(env, kind).values()
    return resource


def asl(env: str = "dev") -> dict[str, Any]:
    return definition_of(only(env, "AWS::StepFunctions::StateMachine"), template_of(env, "rag"))


def distributed_map(machine: Mapping[str, Any]) -> Mapping[str, Any]:
    (found,) = [ref.state for ref in iter_states(machine) if is_distributed_map(ref.state)]
    return found


def document_pipeline(machine: Mapping[str, Any]) -> Mapping[str, Any]:
    """The per-document states: the item processor of the child's inline Map over its batch."""
    child = distributed_map(machine)["ItemProcessor"]
    return child["States"][child["StartAt"]]["ItemProcessor"]


def test_stack_name_and_the_two_workflow_types():
    assert app_stacks("dev")["rag"].stack_name == "Stepwise-dev-Rag"
    machine = only("dev", "AWS::StepFunctions::StateMachine")
    assert machine["Properties"].get("StateMachineType", "STANDARD") == "STANDARD"
    documents = distributed_map(asl())
    assert documents["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "EXPRESS",
    }


def test_the_map_lists_a_prefix_caps_concurrency_tolerates_failures_and_writes_results():
    documents = distributed_map(asl())
    assert documents["ItemReader"]["Resource"].endswith(":states:::s3:listObjectsV2")
    assert documents["ItemReader"]["Parameters"] == {"Bucket.$": "$.plan.bucket", "Prefix.$": "$.plan.prefix"}
    assert documents["MaxConcurrency"] == 1  # maxConcurrency 10 documents / batchConcurrency 10
    assert documents["ToleratedFailurePercentage"] == 100
    assert documents["ResultWriter"]["Parameters"]["Prefix"] == "map-results"
    assert documents["ItemSelector"] == {
        "listing.$": "$.plan.listing",
        "bucket.$": "$.plan.bucket",
        "key.$": "$$.Map.Item.Value.Key",
    }
    assert documents["ItemBatcher"] == {
        "MaxItemsPerBatch": 10,
        "BatchInput": {"runId.$": "$$.Execution.Name"},
    }


def test_each_child_runs_its_batch_through_an_inline_map_of_documents():
    child = distributed_map(asl())["ItemProcessor"]
    batch = child["States"][child["StartAt"]]
    assert (child["StartAt"], batch["Type"], batch["End"]) == ("IngestBatch", "Map", True)
    assert batch["ItemsPath"] == "$.Items"
    assert batch["ItemSelector"] == {"item.$": "$$.Map.Item.Value", "runId.$": "$.BatchInput.runId"}
    assert batch["MaxConcurrency"] == 10
    assert batch["ItemProcessor"]["StartAt"] == "Fetch"
    assert "Catch" not in batch  # no document can fail its batch: see the recorders' catch


def test_child_runs_the_six_steps_in_order_and_every_path_records_an_outcome():
    processor = document_pipeline(asl())
    states = processor["States"]
    assert processor["StartAt"] == "Fetch"
    order, name = [], "Parse"
    while name in states:
        order.append(name)
        name = states[name].get("Next")
    assert order == ["Parse", "Chunk", "Embed", "Upsert", "Validate", "Commit", "RecordOutcome"]
    assert states["SkipUnchanged"]["Next"] == "RecordOutcome"
    assert states["RemoveDocument"]["Next"] == "RecordOutcome"
    assert states["RecordFailure"]["Next"] == "RecordOutcome"
    # RecordFailure failing still deletes the failed version by key before the item is handed on.
    assert states["RecordFailure"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.notRecorded", "Next": "DiscardVersion"}
    ]
    assert states["DiscardVersion"]["Next"] == "OutcomeNotRecorded"
    assert states["DiscardVersion"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.discardError", "Next": "OutcomeNotRecorded"}
    ]
    assert states["RecordOutcome"]["End"] is True
    assert states["RecordOutcome"]["Resource"].endswith(":states:::aws-sdk:s3:putObject")
    assert states["RecordOutcome"]["Parameters"]["Body.$"] == "$.line"
    assert states["RecordOutcome"]["OutputPath"] == "$.line.documentId"
    for recorder in RECORDERS:
        assert states[recorder]["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.notRecorded", "Next": "OutcomeNotRecorded"}
        ]
    assert states["OutcomeNotRecorded"] == {
        "Type": "Pass",
        "Comment": states["OutcomeNotRecorded"]["Comment"],
        "Parameters": {
            "item.$": "$.item",
            "error.$": "$.notRecorded.Error",
            "cause.$": "$.notRecorded.Cause",
        },
        "End": True,
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_task_has_a_timeout_a_transient_retry_and_a_designed_catch(env):
    for ref in iter_states(asl(env)):
        if ref.type != "Task":
            continue
        state = ref.state
        assert 0 < state["TimeoutSeconds"] <= 910, ref.location
        retried = {error for rule in state["Retry"] for error in rule["ErrorEquals"]}
        assert retried, ref.location
        assert all(rule["JitterStrategy"] == "FULL" for rule in state["Retry"]), ref.location
        if ref.name in CHILD_STEPS:
            assert set(LAMBDA_TRANSIENT_ERRORS) <= retried, ref.location
            assert state["Catch"] == [
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailure"}
            ]
        else:
            assert state.get("Catch"), f"{ref.location} has no Catch"


def test_named_transient_errors_are_retried_where_they_can_occur():
    states = document_pipeline(asl())["States"]

    def retried(step: str) -> set[str]:
        return {error for rule in states[step]["Retry"] for error in rule["ErrorEquals"]}

    assert {"FetchTimeout", "SourceUnavailable"} <= retried("Fetch")
    assert {"EmbeddingThrottled", "ModelUnavailable"} <= retried("Embed")
    for step in ("Upsert", "Validate", "Commit", "RecordFailure"):
        assert "VectorStoreBusy" in retried(step)
    assert "ValidationMismatch" in retried("Validate")
    embed_rule = next(
        rule for rule in states["Embed"]["Retry"] if "EmbeddingThrottled" in rule["ErrorEquals"]
    )
    # One retry each: the Express budget (tests/stacks/rag/test_express_budget.py) counts them.
    assert (embed_rule["MaxAttempts"], embed_rule["BackoffRate"], embed_rule["IntervalSeconds"]) == (1, 2, 5)


def test_parent_reports_and_announces_even_when_the_map_run_fails():
    machine = asl()
    states = machine["States"]
    assert machine["StartAt"] == "Request"  # the run input, object or list, kept under $.request
    assert states["Request"] == {
        "Type": "Pass",
        "Comment": "Keep the run input under $.request, whatever its JSON type",
        "Parameters": {"request.$": "$"},
        "Next": "Plan",
    }
    assert states["Plan"]["Catch"][0]["ErrorEquals"] == ["InvalidInput"]
    assert states["IngestDocuments"]["Catch"][0]["Next"] == "Report"
    assert states["Report"]["Next"] == "AnnounceCompletion"
    assert states["Report"]["Catch"][0]["Next"] == "ReportUnavailable"
    assert states["ReportUnavailable"]["Next"] == "AnnounceCompletion"
    entry = states["AnnounceCompletion"]["Parameters"]["Entries"][0]
    assert (entry["DetailType"], entry["Source"], entry["Detail.$"]) == (
        "IngestionCompleted",
        "stepwise.rag",
        "$.report.event",
    )
    choices = states["EventDelivered?"]["Choices"]
    assert [choice["Next"] for choice in choices] == ["EventNotDelivered", "AllDocumentsFailed", "RunFailed"]
    assert choices[1]["And"][1] == {"Variable": "$.report.error", "StringEquals": "AllDocumentsFailed"}
    assert states["AllDocumentsFailed"]["Type"] == "Fail"
    assert states["AllDocumentsFailed"]["Error"] == "AllDocumentsFailed"


def test_vector_index_is_defined_by_the_stack_from_config():
    index = only("dev", "AWS::S3Vectors::Index")["Properties"]
    assert (index["DataType"], index["Dimension"], index["DistanceMetric"]) == ("float32", 1024, "cosine")
    assert index["MetadataConfiguration"]["NonFilterableMetadataKeys"] == ["source", "title", "excerpt"]
    bucket = only("dev", "AWS::S3Vectors::VectorBucket")["Properties"]
    assert bucket["EncryptionConfiguration"] == {"SseType": "AES256"}
    assert "IndexName" not in index and "VectorBucketName" not in bucket


def test_registry_table_and_source_bucket_events():
    table = only("dev", "AWS::DynamoDB::GlobalTable")["Properties"]
    assert table["KeySchema"] == [{"AttributeName": "source", "KeyType": "HASH"}]
    sources = [
        bucket["Properties"]
        for bucket in resources("dev", "AWS::S3::Bucket").values()
        if "NotificationConfiguration" in bucket["Properties"]
    ]
    assert [source["NotificationConfiguration"] for source in sources] == [
        {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    ]
    assert not resources("dev", "Custom::S3BucketNotifications")


def _queue_alarms(queue_id: str) -> list[dict[str, Any]]:
    return [
        alarm["Properties"]
        for alarm in resources("dev", "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Dimensions", [{}])[0].get("Value")
        == {"Fn::GetAtt": [queue_id, "QueueName"]}
    ]


def _queue_id(construct: str) -> str:
    (found,) = [
        key
        for key in resources("dev", "AWS::SQS::Queue")
        if re.fullmatch(f"Workflow{construct}[0-9A-F]{{8}}", key)
    ]
    return found


def test_uploads_and_deletions_are_queued_with_a_dead_letter_queue_for_undelivered_events():
    (rule,) = resources("dev", "AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.s3"]
    assert pattern["detail-type"] == ["Object Created", "Object Deleted"]
    assert pattern["detail"]["object"] == {"key": [{"prefix": "documents/"}]}
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [_queue_id("Uploads"), "Arn"]}
    assert (
        target["InputTransformer"]["InputTemplate"]
        == '{"bucket":<detail-bucket-name>,"key":<detail-object-key>}'
    )
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 8
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": [_queue_id("TriggerDeadLetters"), "Arn"]}
    (dead_letters,) = _queue_alarms(_queue_id("TriggerDeadLetters"))
    assert (dead_letters["MetricName"], dead_letters["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible",
        1,
    )


def test_the_upload_queue_is_encrypted_dead_lettered_and_alarmed_on_age():
    uploads = _queue_id("Uploads")
    queue = resources("dev", "AWS::SQS::Queue")[uploads]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": [_queue_id("UploadsDeadLetters"), "Arn"]
    }
    (age,) = _queue_alarms(uploads)
    assert (age["MetricName"], age["Threshold"]) == ("ApproximateAgeOfOldestMessage", 900)
    assert age["AlarmActions"] and _queue_alarms(_queue_id("UploadsDeadLetters"))[0]["AlarmActions"]


def test_the_upload_pipe_starts_one_run_per_batch_within_the_configured_delay():
    (pipe,) = resources("dev", "AWS::Pipes::Pipe").values()
    properties = pipe["Properties"]
    assert properties["Source"] == {"Fn::GetAtt": [_queue_id("Uploads"), "Arn"]}
    assert properties["SourceParameters"]["SqsQueueParameters"] == {
        "BatchSize": 100,
        "MaximumBatchingWindowInSeconds": 60,
    }
    (machine_id,) = resources("dev", "AWS::StepFunctions::StateMachine")
    assert properties["Target"] == {"Ref": machine_id}
    assert properties["TargetParameters"] == {
        "InputTemplate": '{"bucket": <$.body.bucket>, "key": <$.body.key>}',
        "StepFunctionStateMachineParameters": {"InvocationType": "FIRE_AND_FORGET"},
    }


def test_the_upload_pipe_role_reads_its_queue_and_starts_this_state_machine_only():
    (role_id,) = [
        key for key in resources("dev", "AWS::IAM::Role") if key.startswith("WorkflowUploadPipeRole")
    ]
    trust = resources("dev", "AWS::IAM::Role")[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [(s["Principal"], s["Condition"]) for s in trust] == [
        (
            {"Service": "pipes.amazonaws.com"},
            {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        )
    ]
    statements = _statements("dev", "UploadPipeRole")
    (machine_id,) = resources("dev", "AWS::StepFunctions::StateMachine")
    granted = {(frozenset(_actions(s)), json.dumps(s["Resource"], sort_keys=True)) for s in statements}
    assert granted == {
        (
            frozenset(
                {
                    "sqs:ReceiveMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueUrl",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                }
            ),
            json.dumps({"Fn::GetAtt": [_queue_id("Uploads"), "Arn"]}),
        ),
        (frozenset({"states:StartExecution"}), json.dumps({"Ref": machine_id})),
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_failed_documents_page_per_environment(env: str):
    (alarm,) = [
        alarm["Properties"]
        for alarm in resources(env, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == "DocumentsFailed"
    ]
    assert alarm["Namespace"] == "Stepwise"
    assert sorted(alarm["Dimensions"], key=lambda d: d["Name"]) == [
        {"Name": "environment", "Value": env},
        {"Name": "service", "Value": "rag"},
    ]
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Sum",
        1,
        "GreaterThanOrEqualToThreshold",
    )
    (action,) = alarm["AlarmActions"]
    assert action["Ref"].startswith("AlarmTopic")


def _statements(env: str, fragment: str) -> list[dict[str, Any]]:
    found = []
    for logical_id, policy in resources(env, "AWS::IAM::Policy").items():
        if fragment in logical_id:
            found += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def _actions(statement: Mapping[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def test_bedrock_and_vector_permissions_are_exact():
    bedrock = [s for s in _statements("dev", "Embed") if "bedrock:InvokeModel" in _actions(s)]
    assert len(bedrock) == 1
    assert "foundation-model/amazon.titan-embed-text-v2:0" in str(bedrock[0]["Resource"])
    everything = [
        s
        for logical in ("Fetch", "Parse", "Chunk", "Embed", "Upsert", "Validate", "Commit")
        for s in _statements("dev", logical)
    ]
    vector_statements = [s for s in everything if any(a.startswith("s3vectors:") for a in _actions(s))]
    assert {a for s in vector_statements for a in _actions(s)} == {
        "s3vectors:PutVectors",
        "s3vectors:GetVectors",
        "s3vectors:QueryVectors",
        "s3vectors:DeleteVectors",
    }
    for statement in vector_statements:
        assert statement["Resource"] == {
            "Fn::GetAtt": [next(iter(resources("dev", "AWS::S3Vectors::Index"))), "IndexArn"]
        }
    assert not [s for s in _statements("dev", "Upsert") if "s3vectors:DeleteVectors" in _actions(s)]
    assert not [
        s
        for s in _statements("dev", "Validate")
        if _actions(s) & {"s3vectors:PutVectors", "s3vectors:DeleteVectors"}
    ]


def test_child_functions_carry_their_settings():
    functions = {
        logical_id: function["Properties"]["Environment"]["Variables"]
        for logical_id, function in resources("dev", "AWS::Lambda::Function").items()
    }
    embed = next(variables for logical_id, variables in functions.items() if "Embed" in logical_id)
    assert (embed["EMBEDDING_MODEL_ID"], embed["EMBEDDING_DIMENSION"]) == (
        "amazon.titan-embed-text-v2:0",
        "1024",
    )
    fetch = next(variables for logical_id, variables in functions.items() if "Fetch" in logical_id)
    assert fetch["ALLOWED_DOMAINS"] == ""
    assert fetch["ALLOWED_CONTENT_TYPES"].split(",") == [
        "text/html",
        "application/pdf",
        "text/markdown",
        "text/x-markdown",
        "text/plain",
    ]
    assert len(functions) == 13


def test_every_environment_variable_of_the_contract_is_set_on_a_function():
    functions = resources("dev", "AWS::Lambda::Function").values()
    set_names = {name for function in functions for name in _variables(function)}
    declared = {value for name, value in vars(CONTRACT).items() if name.endswith("_ENV")}
    assert declared - OPTIONAL_ENVIRONMENT - set_names == set()


def test_every_task_function_names_its_artifacts_bucket_and_describes_itself():
    for logical_id, function in resources("dev", "AWS::Lambda::Function").items():
        properties = function["Properties"]
        assert CONTRACT.ARTIFACTS_BUCKET_ENV in properties["Environment"]["Variables"], logical_id
        assert properties["Description"].startswith("Stepwise rag: "), logical_id


def _variables(function: Mapping[str, Any]) -> Mapping[str, Any]:
    return function["Properties"]["Environment"]["Variables"]
