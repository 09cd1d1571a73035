"""Fixtures for the localrun tests: each test stack is synthesized once per session."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from localrun import LocalRunner
from localrun.template import StackTemplate, local_app, synthesize
from stacks.application import project_context
from stacks.config import EnvironmentConfig, load_environment

DOCUMENTS = {
    "incoming/a.txt": "alpha beta",
    "incoming/b.txt": "gamma delta epsilon",
    "incoming/c.txt": "omega",
    "elsewhere/ignored.txt": "not under the prefix",
}
ORDER = {"orderId": "o-1", "items": [{"sku": "apple", "quantity": 2}, {"sku": "pear"}]}


def dev_config() -> EnvironmentConfig:
    return load_environment(project_context()["environments"], "dev")


@functools.cache
def kitchen_sink_template() -> StackTemplate:
    from tests.support.kitchen_sink_stack import KitchenSinkStack

    return synthesize(KitchenSinkStack(local_app(), dev_config()))


@functools.cache
def probe_template() -> StackTemplate:
    from tests.support.probe_stack import ProbeStack

    return synthesize(ProbeStack(local_app(), dev_config()))


@functools.cache
def features_template() -> StackTemplate:
    from tests.support.localrun_stacks import FeaturesStack

    return synthesize(FeaturesStack(local_app(), dev_config()))


@functools.cache
def bench_template() -> StackTemplate:
    from bench.localrun_stack import BenchStack

    return synthesize(BenchStack(local_app(), dev_config()))


@pytest.fixture(scope="module")
def kitchen() -> Iterator[LocalRunner]:
    """The kitchen-sink stack deployed in moto, with documents under its S3 prefix."""
    with LocalRunner(kitchen_sink_template()) as runner:
        bucket = runner.resource("Documents").name
        for key, text in DOCUMENTS.items():
            runner.client("s3").put_object(Bucket=bucket, Key=key, Body=text.encode())
        yield runner


@pytest.fixture(scope="module")
def probe() -> Iterator[LocalRunner]:
    with LocalRunner(probe_template()) as runner:
        yield runner


@pytest.fixture(scope="module")
def features() -> Iterator[LocalRunner]:
    with LocalRunner(features_template()) as runner:
        yield runner


@pytest.fixture(scope="module")
def bench() -> Iterator[LocalRunner]:
    with LocalRunner(bench_template()) as runner:
        yield runner


def approve(token: object) -> dict[str, str]:
    return {"approver": "ann"}
