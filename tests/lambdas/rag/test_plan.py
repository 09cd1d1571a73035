"""Plan: request validation and the listing each request form hands to the Distributed Map."""

from __future__ import annotations

import json

import pytest
from rag import plan

from shared.errors import InvalidInput
from tests.lambdas.rag.ragaws import ARTIFACTS, SOURCES, invoke


def test_prefix_run_lists_the_source_bucket(aws):
    result = invoke(plan.handler, {"request": {"prefix": "documents/team-a/"}, "runId": "r1"})
    assert result == {"runId": "r1", "listing": "source", "bucket": SOURCES, "prefix": "documents/team-a/"}
    assert aws.artifact_keys() == []


@pytest.mark.parametrize(
    "request_",
    [
        {"prefix": "elsewhere/"},
        {"prefix": 3},
        {},
        {"prefix": "documents/", "urls": ["https://docs.example.com/a"]},
        {"urls": []},
        {"urls": ["https://docs.example.com/1", 2]},
        {"urls": [f"https://docs.example.com/{n}" for n in range(4)]},
        {"objects": [{"bucket": "other-bucket", "key": "documents/a.md"}]},
        {"objects": [{"key": "outside/a.md"}]},
        {"prefix": "documents/", "force": True},
        {"prefix": "documents/\x00"},
        {"prefix": "documents/" + "x" * 1100},
        {"prefix": "documents/../secrets/"},
        {"objects": [{"key": "documents/a\nb.md"}]},
        {"objects": [{"key": "documents/./a.md"}]},
        {"objects": [{"key": "documents/a.md", "size": 1}]},
        {"urls": ["javascript:alert(1)"]},
        {"urls": ["docs.example.com/guide"]},
        {"urls": ["https://docs.example.com/a b"]},
    ],
)
def test_bad_requests_are_rejected(aws, request_):
    with pytest.raises(InvalidInput):
        invoke(plan.handler, {"request": request_, "runId": "r1"})


def test_url_run_writes_one_request_object_per_distinct_url(aws):
    urls = ["https://docs.example.com/a", "https://docs.example.com/b", "https://docs.example.com/a"]
    result = invoke(plan.handler, {"request": {"urls": urls}, "runId": "r2"})
    assert result["listing"] == "requests"
    assert (result["bucket"], result["prefix"], result["documents"]) == (ARTIFACTS, "requests/r2/", 2)
    keys = aws.artifact_keys("requests/r2/")
    assert keys == ["requests/r2/000000.json", "requests/r2/000001.json"]
    assert [json.loads(aws.artifact(key)) for key in keys] == [
        {"kind": "url", "url": "https://docs.example.com/a"},
        {"kind": "url", "url": "https://docs.example.com/b"},
    ]


def test_object_event_keys_are_url_decoded_when_only_the_decoded_key_exists(aws):
    aws.put_source("documents/team notes.md", b"# Notes")
    aws.put_source("documents/a+b.md", b"# Plus in the name")
    objects = [
        {"bucket": SOURCES, "key": "documents/team+notes.md"},
        {"bucket": SOURCES, "key": "documents/a+b.md"},
    ]
    invoke(plan.handler, {"request": {"objects": objects}, "runId": "r3"})
    requests = [json.loads(aws.artifact(key)) for key in aws.artifact_keys("requests/r3/")]
    assert [request["key"] for request in requests] == ["documents/team notes.md", "documents/a+b.md"]
