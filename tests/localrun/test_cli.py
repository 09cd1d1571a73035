"""`python -m localrun`: list, run (trace, --fail, --json) and demo (table, exit status)."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from localrun import cli
from tests.localrun.conftest import DOCUMENTS, ORDER, kitchen_sink_template

APPROVE = {"AwaitApproval": {"output": {"approver": "cli"}}}
SEED = {"s3": [{"bucket": "Documents", "key": key, "body": text} for key, text in DOCUMENTS.items()]}


@pytest.fixture(autouse=True)
def kitchen_workflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI sees one workflow, `kitchen`: the kitchen-sink test stack."""
    monkeypatch.setattr(cli, "workflow_keys", lambda: ["kitchen"])
    monkeypatch.setattr(
        cli, "load_template", lambda workflow, env, environments=None: kitchen_sink_template()
    )


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


def sample(folder: Path, name: str, **body: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(body))
    return path


def test_list_shows_workflows_and_samples(tmp_path: Path) -> None:
    sample(tmp_path / "kitchen", "express", description="fast lane", input={}, expect={"status": "SUCCEEDED"})

    code, out = run_cli("list", "--examples", str(tmp_path))

    assert code == 0
    assert "kitchen  (1 sample)" in out
    assert "fast lane" in out


def test_run_prints_the_path_taken(tmp_path: Path) -> None:
    path = sample(
        tmp_path, "order", input={**ORDER, "express": True}, seed=SEED, taskTokens=APPROVE,
        expect={"status": "SUCCEEDED"},
    )  # fmt: skip

    code, out = run_cli("run", "kitchen", "--input", str(path))

    assert code == 0
    assert "-> Validate (Task)" in out
    assert "== SUCCEEDED" in out
    assert "SUCCEEDED: 11 states, 11 transitions" in out


def test_run_with_a_fault_and_json_output(tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(ORDER))

    code, out = run_cli("run", "kitchen", "--input", str(path), "--fail", "Validate=InvalidInput", "--json")
    result = json.loads(out)

    assert code == 0, "the injected fault fired: the experiment ran as asked"
    assert (result["status"], result["error"]) == ("FAILED", "OrderRejected")
    assert result["states"] == ["Validate", "RecordRejection", "Rejected"]
    assert result["check"] == {
        "expectations": "not checked (faults were injected)",
        "mismatches": [],
        "unfiredFaults": [],
        "ok": True,
    }


def test_lose_response_lets_the_call_take_effect_then_fails_the_task(tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(ORDER))

    code, out = run_cli(
        "run", "kitchen", "--input", str(path), "--lose-response", "Validate=InvalidInput", "--json"
    )
    result = json.loads(out)

    assert code == 0
    assert (result["status"], result["error"]) == ("FAILED", "OrderRejected")
    assert [invocation["state"] for invocation in result["invocations"]] == ["Validate"]


def test_bad_fault_spec_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_text("{}")

    code, _ = run_cli("run", "kitchen", "--input", str(path), "--fail", "nonsense")

    assert code == 2


def test_demo_prints_a_row_per_sample_and_fails_on_mismatch(tmp_path: Path) -> None:
    folder = tmp_path / "kitchen"
    sample(folder, "approved", input={**ORDER, "express": True}, seed=SEED, taskTokens=APPROVE,
           expect={"status": "SUCCEEDED"})  # fmt: skip
    sample(folder, "rejected", input={"orderId": "x", "items": []},
           expect={"status": "FAILED", "error": "OrderRejected"})  # fmt: skip
    sample(folder, "wrong", input={"orderId": "x", "items": []}, expect={"status": "SUCCEEDED"})

    code, out = run_cli("demo", "--examples", str(tmp_path))
    lines = out.splitlines()

    assert code == 1
    assert lines[0].split()[:8] == list(cli._COLUMNS)
    assert [line.split()[1] for line in lines[1:4]] == ["approved", "rejected", "wrong"]
    assert lines[1].endswith("ok, ended in Done")
    assert lines[2].endswith("ok, ended in Rejected with OrderRejected")
    assert "MISMATCH: status FAILED" in lines[3]
    assert lines[-1] == "2/3 samples as expected"


def test_demo_passes_when_every_sample_matches(tmp_path: Path) -> None:
    sample(tmp_path / "kitchen", "rejected", input={"orderId": "x", "items": []},
           expect={"status": "FAILED"})  # fmt: skip

    code, out = run_cli("demo", "--examples", str(tmp_path))

    assert code == 0
    assert out.splitlines()[-1] == "1/1 samples as expected"


def happy_sample(folder: Path) -> Path:
    return sample(
        folder, "order", input={**ORDER, "express": True}, seed=SEED, taskTokens=APPROVE,
        expect={"status": "SUCCEEDED"},
    )  # fmt: skip


def test_a_fault_naming_no_state_fails_with_one_line_listing_the_states(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli("run", "kitchen", "--input", json.dumps(ORDER), "--fail", "Charge=Boom")
    error = capsys.readouterr().err

    assert (code, out) == (2, "")
    assert error.count("\n") == 1
    assert (
        "no state 'Charge' in workflow 'kitchen'; its states: AwaitApproval, CoolOff, CountDocuments" in error
    )


@pytest.mark.faults_may_not_fire(reason="the CLI must report the fault that never fired")
def test_a_fault_that_never_fired_is_reported_and_fails_the_run(tmp_path: Path) -> None:
    code, out = run_cli(
        "run", "kitchen", "--input", json.dumps(ORDER), "--fail", "Validate=InvalidInput",
        "--fail", "RecordOrder=Boom",
    )  # fmt: skip

    assert code == 1
    assert "NOT FIRED: fault RecordOrder=Boom never fired" in out


def test_injected_faults_do_not_check_the_samples_own_expectations(tmp_path: Path) -> None:
    path = happy_sample(tmp_path)

    code, out = run_cli("run", "kitchen", "--input", str(path), "--fail", "Validate=InvalidInput")

    assert code == 0
    assert "MISMATCH" not in out
    assert "expectations not checked (faults were injected)" in out
    assert "FAILED: 3 states" in out


def test_no_expect_runs_a_sample_without_checking_it(tmp_path: Path) -> None:
    path = sample(tmp_path, "wrong", input={"orderId": "x", "items": []}, expect={"status": "SUCCEEDED"})

    code, out = run_cli("run", "kitchen", "--input", str(path), "--no-expect")

    assert code == 1, "the run failed, and nothing was expected of it"
    assert "MISMATCH" not in out
    assert "expectations not checked (--no-expect)" in out


def test_a_sample_that_differs_from_its_expectations_fails(tmp_path: Path) -> None:
    path = sample(tmp_path, "wrong", input={"orderId": "x", "items": []}, expect={"status": "SUCCEEDED"})

    code, out = run_cli("run", "kitchen", "--input", str(path))

    assert code == 1
    assert "MISMATCH: status FAILED (OrderRejected: validation failed), expected SUCCEEDED" in out


def test_input_accepts_inline_json() -> None:
    code, out = run_cli("run", "kitchen", "--input", '{"orderId": "x", "items": []}', "--json")

    assert code == 1
    assert json.loads(out)["error"] == "OrderRejected"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: root, "is a directory"),
        (lambda root: root / "missing.json", "no such file"),
        (lambda root: _write(root / "bad.json", '{"input": '), "not JSON: Expecting value at line 1"),
        (lambda root: _write(root / "other" / "s.json", '{"input": {}, "expect": {"status": "SUCCEEDED"}}'),
         "a sample of workflow 'other', not 'kitchen'"),
    ],
)  # fmt: skip
def test_every_input_error_is_one_line_naming_the_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    make: Any,
    message: str,
) -> None:
    monkeypatch.setattr(cli, "workflow_keys", lambda: ["kitchen", "other"])
    path = make(tmp_path)

    code, out = run_cli("run", "kitchen", "--input", str(path))
    error = capsys.readouterr().err

    assert (code, out) == (2, "")
    assert error.startswith(f"localrun: {path}: {message}")
    assert error.count("\n") == 1


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_json_prints_only_json_on_run_demo_and_list(tmp_path: Path) -> None:
    happy_sample(tmp_path / "kitchen")

    for argv in (
        ("list", "--examples", str(tmp_path), "--json"),
        ("demo", "--examples", str(tmp_path), "--json"),
        ("run", "kitchen", "--input", str(tmp_path / "kitchen" / "order.json"), "--json"),
    ):
        code, out = run_cli(*argv)
        document = json.loads(out)
        assert code == 0, argv
        assert document, argv

    assert json.loads(run_cli("demo", "--examples", str(tmp_path), "--json")[1])["rows"][0][
        "check"
    ].startswith("ok")
    assert (
        json.loads(
            run_cli("run", "kitchen", "--input", str(tmp_path / "kitchen" / "order.json"), "--json")[1]
        )["check"]["expectations"]
        == "checked"
    )


def test_demo_prints_each_row_as_its_sample_finishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "kitchen"
    sample(folder, "a-rejected", input={"orderId": "x", "items": []}, expect={"status": "FAILED"})
    sample(folder, "b-rejected", input={"orderId": "y", "items": []}, expect={"status": "FAILED"})
    out = io.StringIO()
    seen_before: list[str] = []
    run_row = cli._demo_row

    def spy(*args: Any, **kwargs: Any) -> dict[str, Any]:
        seen_before.append(out.getvalue())
        return run_row(*args, **kwargs)

    monkeypatch.setattr(cli, "_demo_row", spy)

    assert cli.main(["demo", "--examples", str(tmp_path)], out=out) == 0
    assert "a-rejected" not in seen_before[0] and "workflow" in seen_before[0]
    assert "a-rejected" in seen_before[1] and "ended in Rejected with OrderRejected" in seen_before[1]


def test_moto_cloudformation_support_warnings_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    cli.quiet_moto()
    logger = logging.getLogger("moto")

    with caplog.at_level(logging.WARNING):
        logger.warning("No Moto CloudFormation support for %s", "AWS::EC2::VPC")
        logger.warning("something else")

    assert [record.getMessage() for record in caplog.records] == ["something else"]
