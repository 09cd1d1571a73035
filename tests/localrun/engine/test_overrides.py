"""Every moto internal localrun replaces is still replaced: an upgrade fails here, not silently."""

from __future__ import annotations

import io
import json
import zipfile

import moto
import pytest
from moto.awslambda_simple.models import LambdaSimpleBackend

from localrun import LocalRunner, engine
from localrun.engine.overrides import PINNED_MOTO_VERSION, MotoVersionError, add, installed

EXPECTED = {
    "LambdaSimpleBackend.invoke",
    "Environment.as_inner_frame_of",
    "Environment.close_frame",
    "Environment.delete_frame",
    "Environment.set_error",
    "WaitFunction._wait_interval",
    "RetrierDecl._eval_body",
    "ErrorEqualsDecl._eval_body",
    "FakeKey.response_dict",
    "S3Response.put_object",
    "StateTaskServiceAwsSdk._to_sfn_cased",
    "SQSBackend._validate_message",
    "StateTaskServiceSqs._from_error",
    "DynamoDBBackend.get_table",
    "StateTaskServiceDynamoDB._error_cause_from_client_error",
    "ExecutionState._eval_state",
    "StateParallel._eval_state",
    "StateMap._eval_state",
    "BranchWorker.stop",
    "StepFunctionsParserBackend.create_state_machine",
    "StepFunctionsParserBackend.update_state_machine",
    "StateMachineInstance.__init__",
    "FailureEventException.get_execution_failed_event_details",
    "EventManager.add_event",
    "Program.eval",
    "ExecutionWorker._get_evaluation_environment",
    "ExecutionWorker._get_evaluation_entrypoint",
    "StepFunctionsParserBackend._validate_definition",
    "Execution.start",
    "BaseExecutionWorkerCommunication.terminated",
    "ContextObject.update_task_token",
    "StateTaskServiceCallback._eval_body",
    "StateTaskServiceCallback._assert_integration_pattern_is_supported",
    "StateTaskLambda._eval_execution",
    "StateTaskService._eval_execution",
    "StateParallel._eval_execution",
    "StateMap._eval_execution",
    "StateTaskServiceSfn._normalise_parameters",
    "StateTaskServiceSfn._normalise_response",
    "StateTaskServiceAwsSdk._normalise_parameters",
    "StateTaskServiceAwsSdk._normalise_response",
    "ResourceEvalS3._handle_list_objects_v2",
    "BedrockRuntimeBackend.invoke_model",
    "S3VectorsResponse.query_vectors",
    "OrganizationsBackend.create_account",
    "OrganizationsBackend.describe_create_account_status",
    "OrganizationsBackend.list_create_account_status",
    "OrganizationsBackend.list_accounts",
    "OrganizationsBackend.describe_account",
    "OrganizationsBackend.move_account",
    "jsonata._eval_jsonata",
    "urls.url_paths",
    "state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK",
    "iteration_worker.CustomErrorName",
    "branches_decl.CustomErrorName",
    "boto_client.boto_client_for",
    "lambda_eval_utils.boto_client_for",
    "StateTaskServiceAwsSdk._normalise_service_error_name",
    "CommonStateField._eval_body",
    "state.StateData",
    "StepFunctionResponse.send_task_failure",
    "StackSet.create_stack_instances",
    "StateTaskServiceDynamoDB._from_error",
    "json_path.extract_json",
    "string_expression.extract_json",
    "argument.extract_json",
    "boolean_equals.extract_json",
    "numeric.extract_json",
    "string_operators.extract_json",
    "timestamp_operators.extract_json",
    "states.extract_json",
    "Loader.list_available_services",
    "Loader.determine_latest_version",
    "Loader.list_api_versions",
    "Loader.load_service_model",
    "Loader.load_data_with_path",
    "regions.EndpointProvider",
    "EventAliaser.__copy__",
    "S3Backend._url_module",
    "ext.parse",
    "models.generate_private_key",
    "Key.private_key",
    "AmiBackend._load_amis",
    "EC2Backend.amis",
    "EC2Backend.volumes",
    "EC2Backend.snapshots",
    "DynamoHandler.call_action",
    "S3VectorsResponse.call_action",
    "StepFunctionsParserBackend.start_execution",
    "lambda_eval_utils._invoke_lambda_function",
    "StateTaskLambda._from_error",
    "StepFunctionResponse.start_execution",
    "CommonStateField._eval_state_input",
    "AssignDecl._eval_body",
    "CommonStateField._eval_state_output",
    "ExecutionState._eval_state_output",
    "StateChoice._eval_state_output",
    "Timestamp._create_failure_event",
    "Timestamp._from_timestamp_string",
    "Preprocessor.visitTolerated_failure_count_string_jsonata",
    "StringJSONata._eval_body",
    "JSONataTemplateValue._field_name",
    "validations._validate_null_output",
    "validations._validate_string_output",
    "BaseClient._make_api_call",
    "StateTaskServiceLambda._error_cause_from_client_error",
    "CommonStateField.eval",
    "Program._eval_body",
    "StepFunctionResponse.redrive_execution",
    "StepFunctionResponse.describe_execution",
    "BranchesDecl._eval_body",
    "IterationWorker._eval_job",
    "os.environ",
    "sys.stdout",
    "sys.stderr",
    "Thread.start",
    "ThreadPoolExecutor.submit",
    "logging.getLogger",
}


def test_moto_is_the_pinned_version() -> None:
    assert moto.__version__ == PINNED_MOTO_VERSION


def test_every_override_is_installed_and_in_effect() -> None:
    overrides = engine.install()
    names = {override.name.rsplit(".", 2)[-2] + "." + override.attribute for override in overrides}

    assert names >= EXPECTED
    assert [o.name for o in overrides if not o.in_effect()] == []


def test_install_is_idempotent() -> None:
    assert [id(o.replacement) for o in engine.install()] == [id(o.replacement) for o in installed()]


def test_adding_what_moto_already_has_fails_loudly() -> None:
    with pytest.raises(MotoVersionError, match="moto now implements"):
        add(LambdaSimpleBackend, "get_function", lambda *args: None)


def test_registered_function_runs_its_real_handler_not_moto_echo(probe: LocalRunner) -> None:
    result = probe.run({"hello": "world"})

    assert result.output["echo"] == {"echo": {"hello": "world"}, "executionId": result.execution_arn}


def test_unregistered_function_keeps_moto_echo(probe: LocalRunner) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "")
    role = probe.resource("Echo/Role").attributes["Arn"]
    probe.client("lambda").create_function(
        FunctionName="plain-moto",
        Role=role,
        Runtime="python3.12",
        Handler="index.handler",
        Code={"ZipFile": archive.getvalue()},
    )

    response = probe.client("lambda").invoke(FunctionName="plain-moto", Payload=b'{"a": 1}')

    assert json.loads(response["Payload"].read()) == {"a": 1}
