from aws_cdk.assertions import Match

from tests.support.probe import probe_template
from tests.support.synth import definitions_of


def test_logs_everything_with_retention_and_tracing():
    template = probe_template()
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "LoggingConfiguration": {"Level": "ALL", "IncludeExecutionData": True},
            "TracingConfiguration": {"Enabled": True},
            "StateMachineType": "STANDARD",
        },
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 14})


def test_execution_timeout_is_in_the_definition():
    (definition,) = definitions_of(probe_template().to_json()).values()
    assert definition["TimeoutSeconds"] == 300


def test_alarms_on_failed_timed_out_and_throttled_notify_the_topic():
    template = probe_template()
    alarms = {
        logical_id: alarm
        for logical_id, alarm in template.find_resources("AWS::CloudWatch::Alarm").items()
        if logical_id.startswith("ProbeWorkflow")
    }
    metric_names = sorted(alarm["Properties"]["MetricName"] for alarm in alarms.values())
    assert metric_names == ["ExecutionThrottled", "ExecutionsTimedOut", "ProbeWorkflowUnexpectedFailures"]
    for alarm in alarms.values():
        (action,) = alarm["Properties"]["AlarmActions"]
        assert action["Ref"].startswith("AlarmTopic")
        assert alarm["Properties"]["Threshold"] == 1
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching"


def test_dashboard_shows_executions_duration_and_task_errors():
    template = probe_template()
    dashboard = next(iter(template.find_resources("AWS::CloudWatch::Dashboard").values()))
    body = str(dashboard["Properties"]["DashboardBody"])
    for title in ("Executions", "Execution duration", "Task errors", "Task throttles"):
        assert title in body


def test_alarm_topic_is_encrypted_and_tls_only():
    template = probe_template()
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        Match.object_like(
            {
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Effect": "Deny",
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                }
                            )
                        ]
                    )
                }
            }
        ),
    )
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_designed_failures_do_not_page_only_unexpected_ones_do():
    template = probe_template()
    (metric_filter,) = template.find_resources("AWS::Logs::MetricFilter").values()
    assert metric_filter["Properties"]["FilterPattern"] == (
        '{ ($.type = "ExecutionFailed") && ($.details.error != "EchoRefused") }'
    )
    transformation = metric_filter["Properties"]["MetricTransformations"][0]
    failed_alarm = next(
        alarm["Properties"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == transformation["MetricName"]
    )
    assert failed_alarm["Namespace"] == transformation["MetricNamespace"] == "Stepwise/Stepwise-dev-Probe"
