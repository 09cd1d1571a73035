import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from stacks.application import project_context
from stacks.common import TaskFunctionFactory
from stacks.config import load_environment
from tests.support.probe_stack import FIXTURE_LAMBDAS
from tests.support.synth import fresh_app


def _factory(**kwargs):
    stack = Stack(fresh_app(), "Factory")
    platform = load_environment(project_context()["environments"], "dev").platform
    return stack, TaskFunctionFactory(
        stack, platform, "probe", source_root=FIXTURE_LAMBDAS, common_environment={"SHARED": "yes"}, **kwargs
    )


def test_functions_share_package_defaults_and_common_environment_and_are_kept_by_id():
    stack, factory = _factory(service="probing", timeout_seconds=12, memory_size=384)
    first = factory.create("First", "handler.handler", "the first", environment={"OWN": "1"})
    factory.create("Second", "handler.handler", "the second", timeout_seconds=40, memory_size=1024)

    assert factory.functions == {"First": first, "Second": factory.functions["Second"]}
    functions = {
        props["Description"]: props
        for props in (
            resource["Properties"]
            for resource in Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
        )
    }
    assert functions["the first"]["Timeout"] == 12
    assert functions["the first"]["MemorySize"] == 384
    assert functions["the first"]["Handler"] == "probe.handler.handler"
    first_variables = functions["the first"]["Environment"]["Variables"]
    assert first_variables["SHARED"] == "yes" and first_variables["OWN"] == "1"
    assert first_variables["POWERTOOLS_SERVICE_NAME"] == "probing"
    assert functions["the second"]["Timeout"] == 40
    assert functions["the second"]["MemorySize"] == 1024
    assert "OWN" not in functions["the second"]["Environment"]["Variables"]


def test_a_construct_id_is_created_once():
    _, factory = _factory()
    factory.create("Only", "handler.handler", "once")
    with pytest.raises(ValueError, match="'Only' already created for probe"):
        factory.create("Only", "handler.handler", "twice")


def test_a_missing_handler_module_is_named():
    _, factory = _factory()
    with pytest.raises(FileNotFoundError, match=r"nowhere\.handler"):
        factory.create("Missing", "nowhere.handler", "absent")
