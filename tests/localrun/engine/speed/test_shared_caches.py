"""botocore's and moto's recomputed work is shared per process, with the same results as before."""

from __future__ import annotations

import copy
import tempfile

import boto3
import botocore.session
import jsonpath_ng.ext
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.hooks import EventAliaser, HierarchicalEmitter
from botocore.loaders import Loader, create_loader
from jsonpath_ng.ext.parser import ExtendedJsonPathParser
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from localrun.engine.speed import shared_caches


@pytest.fixture(autouse=True)
def installed() -> None:
    shared_caches.install()


def test_botocore_sessions_share_parsed_service_models_and_endpoints() -> None:
    first, second = botocore.session.Session(), botocore.session.Session()
    loaders = [session.get_component("data_loader") for session in (first, second)]

    assert loaders[0] is not loaders[1]
    assert loaders[0].load_service_model("dynamodb", "service-2") is loaders[1].load_service_model(
        "dynamodb", "service-2"
    )
    assert loaders[0].load_data("endpoints") is loaders[1].load_data("endpoints")


def test_a_loader_searching_other_paths_does_not_share_their_cache() -> None:
    with tempfile.TemporaryDirectory() as extra:
        elsewhere = Loader(extra_search_paths=[extra])
        default = create_loader()

        model = elsewhere.load_service_model("sqs", "service-2")
        assert model is not default.load_service_model("sqs", "service-2")
        assert model == default.load_service_model("sqs", "service-2")


def test_failed_look_ups_are_not_cached() -> None:
    loader = create_loader()
    for _ in range(2):
        with pytest.raises(UnknownServiceError):
            loader.load_service_model("no-such-service", "service-2")


def test_clients_share_an_endpoint_provider_and_still_resolve_their_region() -> None:
    east = boto3.session.Session().client("s3", region_name="us-east-1")
    west = boto3.session.Session().client("s3", region_name="eu-west-1")
    table = boto3.session.Session().client("dynamodb", region_name="eu-west-1")

    assert east._ruleset_resolver._provider is west._ruleset_resolver._provider
    assert table._ruleset_resolver._provider is not east._ruleset_resolver._provider
    assert east.meta.endpoint_url == "https://s3.amazonaws.com"
    assert west.meta.endpoint_url == "https://s3.eu-west-1.amazonaws.com"
    assert table.meta.endpoint_url == "https://dynamodb.eu-west-1.amazonaws.com"


def test_copied_event_aliasers_share_their_cache_and_alias_as_before() -> None:
    event, aliased = "before-call.apigateway.GetRestApi", "before-call.api-gateway.GetRestApi"
    aliaser = EventAliaser(HierarchicalEmitter())
    copied = copy.copy(aliaser)

    assert copied._alias_name_cache is aliaser._alias_name_cache
    assert copied._alias_event_name(event) == aliased
    assert aliaser._alias_name_cache[event] == aliased
    assert EventAliaser(HierarchicalEmitter())._alias_event_name(event) == aliased


def test_the_s3_url_table_is_reimported_only_when_custom_endpoints_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with mock_aws():
        backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        paths = backend._url_module.url_paths
        assert backend._url_module.url_paths is paths  # a re-import would build a new table

        monkeypatch.setenv(shared_caches.S3_ENDPOINTS_VARIABLE, "https://s3.local.example")
        assert "https://s3.local.example" in backend.url_bases

        monkeypatch.delenv(shared_caches.S3_ENDPOINTS_VARIABLE)
        assert "https://s3.local.example" not in backend.url_bases
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="still-served")
        assert [b["Name"] for b in client.list_buckets()["Buckets"]] == ["still-served"]


def test_jsonpath_ext_paths_are_parsed_once_and_find_the_same() -> None:
    document = {"detail": {"items": [{"id": 1}, {"id": 2}]}}

    first = jsonpath_ng.ext.parse("$.detail.items[?(@.id > 1)].id")
    assert jsonpath_ng.ext.parse("$.detail.items[?(@.id > 1)].id") is first
    fresh = ExtendedJsonPathParser().parse("$.detail.items[?(@.id > 1)].id")
    assert [m.value for m in first.find(document)] == [m.value for m in fresh.find(document)] == [2]
