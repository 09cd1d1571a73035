import copy
import json

from aws_cdk import Duration
from aws_cdk.assertions import Match, Template

from shared import task
from stacks.application import project_context
from stacks.common import enable_nag
from stacks.common.task_function import ENVIRONMENT_DIMENSION, LAMBDAS_ROOT, _exclusions
from stacks.config import load_environment
from tests.support.probe import probe_stack, probe_template
from tests.support.probe_stack import ProbeStack
from tests.support.synth import fresh_app


def test_latest_python_on_arm64_with_tracing_and_environment():
    probe_template().has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "TracingConfig": {"Mode": "Active"},
            "Handler": "probe.handler.handler",
            "Timeout": 30,
            "Environment": {
                "Variables": {
                    "POWERTOOLS_SERVICE_NAME": "probe",
                    "STEPWISE_ENV": "dev",
                    "POWERTOOLS_METRICS_NAMESPACE": "Stepwise",
                }
            },
            "Layers": [{"Ref": Match.string_like_regexp("PowertoolsLayer")}],
            "LoggingConfig": {"LogGroup": {"Ref": Match.string_like_regexp("EchoLogs")}},
        },
    )


def test_function_records_where_its_source_lives():
    functions = probe_template().find_resources("AWS::Lambda::Function")
    (function,) = functions.values()
    assert function["Metadata"]["Stepwise:Source"] == {
        "root": "tests/fixtures/lambdas",
        "package": "probe",
    }


def test_role_has_no_managed_policies_and_logs_only_to_its_group():
    template = probe_template()
    for role in template.find_resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]
    log_statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    ]
    assert len(log_statements) == 1
    assert log_statements[0]["Resource"]["Fn::GetAtt"][0].startswith("EchoLogs")


def test_asset_keeps_only_the_package_and_shared_code():
    excluded = _exclusions(LAMBDAS_ROOT, "probe")
    assert "shared" not in excluded
    assert {"__pycache__", "*.pyc", "requirements*.txt", "requirements*.lock"} <= set(excluded)
    assert "requirements.txt" in excluded


def test_log_group_retention_follows_config():
    probe_template().has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 14})


def test_a_task_metric_names_what_the_handler_emits():
    """The dimensions `metric()` alarms on are the ones `shared.task` adds to every handler metric."""

    assert task.ENVIRONMENT_DIMENSION == ENVIRONMENT_DIMENSION
    metric = probe_stack().echo.metric("EchoesFailed", period=Duration.minutes(5))
    assert (metric.namespace, metric.metric_name, metric.statistic) == ("Stepwise", "EchoesFailed", "Sum")
    assert metric.dimensions == {"service": "probe", "environment": "dev"}


def test_lambda_tracing_can_be_switched_off_per_environment():
    environments = copy.deepcopy(project_context()["environments"])
    environments["dev"]["lambdaTracing"] = "off"
    app = fresh_app()
    stack = ProbeStack(app, load_environment(environments, "dev"))
    enable_nag(app)
    template = Template.from_stack(stack)
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    assert "TracingConfig" not in function["Properties"]
    assert function["Properties"]["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == "true"
    function_role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": function_role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements and "xray:" not in json.dumps(statements)
