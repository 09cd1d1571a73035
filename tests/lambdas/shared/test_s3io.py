"""S3 helpers: URIs parse both ways, JSON and JSON Lines objects round-trip."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from shared.s3io import get_json, iter_json_lines, parse_s3_uri, put_json, put_json_lines, s3_uri

BUCKET = "stepwise-s3io-test"


def test_a_uri_round_trips() -> None:
    assert parse_s3_uri(s3_uri("bucket", "a/b.json")) == ("bucket", "a/b.json")


@pytest.mark.parametrize("uri", ["https://bucket/key", "s3://bucket", "s3:///key", 42])
def test_anything_but_an_s3_bucket_key_uri_is_refused(uri: object) -> None:
    with pytest.raises(ValueError, match="URI"):
        parse_s3_uri(uri)  # type: ignore[arg-type]


def test_json_lines_skip_blank_lines_and_refuse_non_objects() -> None:
    assert list(iter_json_lines(b'{"a":1}\n\n{"b":2}\n')) == [{"a": 1}, {"b": 2}]
    with pytest.raises(ValueError, match="line 2 is not a JSON object"):
        list(iter_json_lines(b'{"a":1}\n[1]\n'))


def test_objects_round_trip_through_s3() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        put_json(s3, BUCKET, "doc.json", {"z": 1, "a": [1, 2]})
        assert get_json(s3, BUCKET, "doc.json") == {"a": [1, 2], "z": 1}
        assert put_json_lines(s3, BUCKET, "rows.jsonl", [{"n": 1}, {"n": 2}]) == 2
        body = s3.get_object(Bucket=BUCKET, Key="rows.jsonl")["Body"].read()
        assert list(iter_json_lines(body)) == [{"n": 1}, {"n": 2}]
