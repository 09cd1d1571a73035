"""Sample files: loading, seeding, answering tokens, and checking the declared outcome."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from localrun import LocalRunner
from localrun.samples import Expectation, Sample, SampleError, discover, seed
from tests.localrun.conftest import ORDER

SETUP_CALLS: list[str] = []


def record_setup(runner: LocalRunner, sample: Sample) -> None:
    SETUP_CALLS.append(sample.name)


def write(folder: Path, name: str, body: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(body))
    return path


def test_discover_skips_mock_configs_and_environments_files_and_sorts(tmp_path: Path) -> None:
    write(tmp_path / "kitchen", "b.json", {"input": {}, "expect": {"status": "SUCCEEDED"}})
    write(tmp_path / "kitchen", "a.json", {"input": {}, "expect": {"status": "FAILED"}})
    write(tmp_path / "kitchen", "kitchen.mocks.json", {"StateMachines": {}})
    write(tmp_path / "kitchen", "guarded.environments.json", {"dev": {"workflows": ["kitchen"]}})

    samples = discover(tmp_path)

    assert [(s.workflow, s.name) for s in samples] == [("kitchen", "a"), ("kitchen", "b")]


@pytest.mark.parametrize(
    "body",
    [{"expect": {"status": "SUCCEEDED"}}, {"input": {}}, {"input": {}, "expect": {}}],
)
def test_malformed_samples_are_reported_with_their_file(tmp_path: Path, body: dict) -> None:
    path = write(tmp_path / "kitchen", "bad.json", body)

    with pytest.raises(SampleError, match=r"bad\.json"):
        Sample.load(path)


def test_expectation_mismatches_are_described() -> None:
    from localrun.result import RunResult

    result = RunResult(
        name="n", execution_arn="a", state_machine="m", status="FAILED", output=None,
        error="Boom", cause="c", states=("A", "B", "C"), transitions=3, retries=0,
        simulated_seconds=0, wall_seconds=0, history=(),
    )  # fmt: skip

    assert Expectation(status="FAILED", error="Boom", states=("A", "C")).mismatches(result) == []
    problems = Expectation(
        status="SUCCEEDED", error="Other", states=("C", "A"), not_states=("B",), output={"x": 1}
    ).mismatches(result)
    assert len(problems) == 5


def test_a_sample_seeds_runs_and_meets_its_expectation(kitchen: LocalRunner, tmp_path: Path) -> None:
    path = write(
        tmp_path / "kitchen",
        "approved.json",
        {
            "description": "seeded, approved",
            "input": {**ORDER, "express": True, "orderId": "sample-1"},
            "seed": {
                "s3": [{"bucket": "Documents", "key": "incoming/z.txt", "body": "seeded words here"}],
                "dynamodb": [{"table": "Ledger", "item": {"pk": "seeded", "amount": 1.5}}],
            },
            "setup": "tests.localrun.test_samples:record_setup",
            "faults": ["fn:Summarizer=Lambda.ServiceException:1"],
            "taskTokens": {"AwaitApproval": {"output": {"approver": "sam"}}},
            "expect": {
                "status": "SUCCEEDED",
                "states": ["Validate", "Prepare", "Summarize", "RecordOrder", "Done"],
                "notStates": ["CoolOff"],
                "output": {"approval": {"approver": "sam"}, "summary": {"total": 335}},
            },
        },
    )
    sample = Sample.load(path)

    result = sample.run(kitchen)

    assert sample.mismatches(result) == []
    assert result.retries == 1
    assert {"key": "incoming/z.txt", "words": 3} in result.output["prepared"]["documents"]
    assert SETUP_CALLS[-1] == "approved"
    seeded = kitchen.client("dynamodb").get_item(
        TableName=kitchen.resource("Ledger").name, Key={"pk": {"S": "seeded"}}
    )["Item"]
    assert seeded["amount"] == {"N": "1.5"}
    kitchen.client("s3").delete_object(Bucket=kitchen.resource("Documents").name, Key="incoming/z.txt")


def test_a_sample_can_let_a_task_time_out(kitchen: LocalRunner, tmp_path: Path) -> None:
    path = write(
        tmp_path / "kitchen",
        "silent.json",
        {
            "input": {**ORDER, "express": True},
            "taskTokens": {"AwaitApproval": {"timeout": True}},
            "expect": {"status": "TIMED_OUT", "states": ["AwaitApproval"]},
        },
    )

    sample = Sample.load(path)

    assert sample.mismatches(sample.run(kitchen)) == []


BINARY = bytes(range(256))


def test_s3_seeds_can_carry_binary_files_and_base64(kitchen: LocalRunner, tmp_path: Path) -> None:
    (tmp_path / "kitchen" / "files").mkdir(parents=True)
    (tmp_path / "kitchen" / "files" / "scan.png").write_bytes(BINARY)
    path = write(
        tmp_path / "kitchen",
        "binary.json",
        {
            "input": {},
            "seed": {
                "s3": [
                    {"bucket": "Documents", "key": "bin/scan.png", "file": "files/scan.png"},
                    {
                        "bucket": "Documents",
                        "key": "bin/raw.bin",
                        "base64": base64.b64encode(BINARY[::-1]).decode(),
                        "contentType": "application/octet-stream",
                    },
                ]
            },
            "expect": {"status": "SUCCEEDED"},
        },
    )
    bucket = kitchen.resource("Documents").name

    seed(kitchen, Sample.load(path).seed, path.parent)

    s3 = kitchen.client("s3")
    assert s3.get_object(Bucket=bucket, Key="bin/scan.png")["Body"].read() == BINARY
    raw = s3.get_object(Bucket=bucket, Key="bin/raw.bin")
    assert (raw["Body"].read(), raw["ContentType"]) == (BINARY[::-1], "application/octet-stream")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "bin/scan.png"}, {"Key": "bin/raw.bin"}]})


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"body": "x", "base64": "eA=="}, "exactly one of body, base64, file"),
        ({}, "exactly one of body, base64, file"),
        ({"file": "missing.bin"}, "missing.bin"),
        ({"base64": "not base64!"}, "base64 is not valid"),
    ],
)
def test_bad_s3_seeds_are_reported_when_the_sample_loads(
    tmp_path: Path, entry: dict[str, Any], problem: str
) -> None:
    path = write(
        tmp_path / "kitchen",
        "bad-seed.json",
        {
            "input": {},
            "seed": {"s3": [{"bucket": "Documents", "key": "k", **entry}]},
            "expect": {"status": "X"},
        },
    )

    with pytest.raises(SampleError, match=rf"bad-seed\.json: .*{problem}"):
        Sample.load(path)


@pytest.mark.faults_may_not_fire
def test_a_sample_whose_fault_never_fires_fails_naming_it(kitchen: LocalRunner, tmp_path: Path) -> None:
    path = write(
        tmp_path / "kitchen",
        "misaimed.json",
        {
            "input": {**ORDER, "express": True},
            "faults": ["NoSuchState=Lambda.ServiceException"],
            "taskTokens": {"AwaitApproval": {"output": {"approver": "sam"}}},
            "expect": {"status": "SUCCEEDED"},
        },
    )
    sample = Sample.load(path)

    problems = sample.mismatches(sample.run(kitchen))

    assert problems == [
        "fault NoSuchState=Lambda.ServiceException never fired (no such state or function on the path taken)"
    ]


ANSWER = {
    "output": {"message": {"role": "assistant", "content": [{"text": "done"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 1, "outputTokens": 1},
}


def test_a_sample_whose_bedrock_turn_is_never_used_fails_naming_it(
    kitchen: LocalRunner, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "kitchen",
        "unused-turn.json",
        {
            "input": {**ORDER, "express": True},
            "taskTokens": {"AwaitApproval": {"output": {"approver": "sam"}}},
            "bedrock": {
                "converse": [{"expect": {"lastUserText": {"contains": "order"}}, "response": ANSWER}]
            },
            "expect": {"status": "SUCCEEDED"},
        },
    )
    sample = Sample.load(path)

    problems = sample.mismatches(sample.run(kitchen))

    assert problems == ["bedrock script: bedrock.converse[0] was never used (Converse called 0 time(s))"]


def test_a_malformed_bedrock_script_is_reported_when_the_sample_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path / "kitchen",
        "bad-script.json",
        {
            "input": {},
            "bedrock": {"converse": [{"response": {"stopReason": "end_turn"}}]},
            "expect": {"status": "SUCCEEDED"},
        },
    )

    with pytest.raises(
        SampleError, match=r"bad-script\.json: bedrock\.converse\[0\]\.response is not a Converse"
    ):
        Sample.load(path)


def test_a_list_of_token_answers_answers_the_states_successive_tokens(tmp_path: Path) -> None:
    reject, approve = {"output": {"decision": "reject"}}, {"output": {"decision": "approve"}}
    path = write(
        tmp_path / "kitchen",
        "s.json",
        {"input": {}, "expect": {"status": "SUCCEEDED"}, "taskTokens": {"Review": [reject, approve]}},
    )
    sample = Sample.load(path)

    answers = [sample._answer("Review", turn) for turn in range(3)]

    assert answers == [{"decision": "reject"}, {"decision": "approve"}, None]


def test_a_sample_names_an_environments_file_next_to_it(tmp_path: Path) -> None:
    folder = tmp_path / "kitchen"
    write(folder, "local.environments.json", {"dev": {"workflows": ["kitchen"]}})
    found = write(
        folder,
        "s.json",
        {"input": {}, "expect": {"status": "SUCCEEDED"}, "environments": "local.environments.json"},
    )
    missing = write(
        folder, "t.json", {"input": {}, "expect": {"status": "SUCCEEDED"}, "environments": "none.json"}
    )

    assert Sample.load(found).environments == folder / "local.environments.json"
    with pytest.raises(SampleError, match="environments must name an environments JSON file"):
        Sample.load(missing)
