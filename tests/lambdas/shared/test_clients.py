"""boto3 clients are made once per execution environment, for the region and endpoint it sets."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from shared import clients


def test_an_environment_reuses_its_client_and_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    first = clients.client("dynamodb")
    assert clients.client("dynamodb") is first
    assert first.meta.region_name == "eu-west-1"
    assert clients.resource("dynamodb") is clients.resource("dynamodb")


def test_another_region_endpoint_or_config_gets_its_own_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    ireland = clients.client("s3")
    single_attempt = Config(retries={"max_attempts": 1})
    assert clients.client("s3", single_attempt) is not ireland
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    assert clients.client("s3").meta.region_name == "us-west-2"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    assert clients.client("s3").meta.endpoint_url == "http://127.0.0.1:5000"


def test_the_retry_configurations_set_the_clients_retry_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert clients.client("s3", clients.STANDARD).meta.config.retries["mode"] == "standard"
    assert clients.client("s3", clients.ADAPTIVE).meta.config.retries["mode"] == "adaptive"


def test_error_code_reads_a_client_error_and_is_blank_for_anything_else() -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutVectors")
    assert clients.error_code(throttled) == "ThrottlingException"
    assert clients.error_code(ValueError("no response")) == ""
