"""`python -m localrun`: list, run (trace, --fail, --json) and demo (table, exit status)."""

from __future__ import annotations

import io
import json
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
    monkeypatch.setattr(cli, "load_template", lambda workflow, env: kitchen_sink_template())


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

    assert code == 1
    assert (result["status"], result["error"]) == ("FAILED", "OrderRejected")
    assert result["states"] == ["Validate", "RecordRejection", "Rejected"]


def test_lose_response_lets_the_call_take_effect_then_fails_the_task(tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(ORDER))

    code, out = run_cli(
        "run", "kitchen", "--input", str(path), "--lose-response", "Validate=InvalidInput", "--json"
    )
    result = json.loads(out)

    assert code == 1
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
    assert lines[1].endswith("ok") and lines[2].endswith("ok")
    assert "MISMATCH: status FAILED" in lines[3]
    assert lines[-1] == "2/3 samples as expected"


def test_demo_passes_when_every_sample_matches(tmp_path: Path) -> None:
    sample(tmp_path / "kitchen", "rejected", input={"orderId": "x", "items": []},
           expect={"status": "FAILED"})  # fmt: skip

    code, out = run_cli("demo", "--examples", str(tmp_path))

    assert code == 0
    assert out.splitlines()[-1] == "1/1 samples as expected"
