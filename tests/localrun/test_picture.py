"""`python -m localrun run --graph`: the execution as a self-contained HTML page, and Map children."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from localrun import cli
from localrun.graph import graphs_of
from localrun.layout import layout
from localrun.result import readable_cause
from tests.localrun.conftest import DOCUMENTS, ORDER, kitchen_sink_template

APPROVE = {"AwaitApproval": {"output": {"approver": "cli"}}}
SEED = {"s3": [{"bucket": "Documents", "key": key, "body": text} for key, text in DOCUMENTS.items()]}


@pytest.fixture(autouse=True)
def kitchen_workflow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "workflow_keys", lambda: ["kitchen"])
    monkeypatch.setattr(
        cli, "load_template", lambda workflow, env, environments=None: kitchen_sink_template()
    )


def picture(tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    path = tmp_path / "order.json"
    body = {
        "input": {**ORDER, "express": True},
        "seed": SEED,
        "taskTokens": APPROVE,
        "expect": {"status": "SUCCEEDED"},
    }
    path.write_text(json.dumps(body))
    page = tmp_path / "run.html"
    out = io.StringIO()
    code = cli.main(["run", "kitchen", "--input", str(path), "--graph", str(page), *extra], out=out)
    return code, page.read_text(), out.getvalue()


def classes_of(page: str, key: str) -> set[str]:
    match = re.search(rf'<g class="([^"]+)" data-state="{re.escape(key)}"', page)
    assert match, f"no element for state {key}"
    return set(match.group(1).split())


def test_the_page_draws_every_state_and_marks_the_path_taken(tmp_path: Path) -> None:
    code, page, _ = picture(tmp_path)

    assert code == 0
    graph = graphs_of(kitchen_sink_template())[0]
    for node in graph.nodes():
        assert f'data-state="{node.key}"' in page
    assert {"entered"} <= classes_of(page, "Validate")
    assert {"entered"} <= classes_of(page, "Prepare/CountDocuments/CountWords")
    assert {"skipped"} <= classes_of(page, "RecordRejection")
    assert re.search(r'class="edge next taken" data-from="Validate" data-to="Route"', page)


def test_failed_retried_and_caught_states_are_marked(tmp_path: Path) -> None:
    code, page, _ = picture(tmp_path, "--fail", "Validate=InvalidInput")

    assert code == 0
    assert {"entered", "failed"} <= classes_of(page, "Validate")
    assert {"entered", "compensation"} <= classes_of(page, "RecordRejection")
    assert 'data-errors="InvalidInput"' in page
    assert re.search(r'class="edge catch taken" data-from="Validate" data-to="RecordRejection"', page)


def test_a_retried_state_is_marked_retried(tmp_path: Path) -> None:
    code, page, _ = picture(tmp_path, "--fail", "PriceLine=TransientError")

    assert code == 0
    assert {"entered", "failed", "retried"} <= classes_of(page, "Prepare/PriceLines/PriceLine")
    assert '<text class="badge"' in page and "✕1 ↻" in page


def test_the_page_is_self_contained(tmp_path: Path) -> None:
    _, page, _ = picture(tmp_path)

    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<script|<link|<img|<iframe|src=|href=|@import", page)
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page


def test_distributed_map_children_are_shown_in_the_page_and_the_trace(tmp_path: Path) -> None:
    _, page, out = picture(tmp_path)

    assert re.search(
        r'data-state="Prepare/CountDocuments"[^>]*data-children="\{&quot;SUCCEEDED&quot;: \d+\}"', page
    )
    assert '<tr class="child succeeded" data-map="CountDocuments"' in page
    assert re.search(r"\| CountDocuments child #0: SUCCEEDED", out)
    assert re.search(r"\|   -> CountWords \(Task\)", out)


def test_boxes_do_not_overlap_within_a_scope() -> None:
    graph = graphs_of(kitchen_sink_template())[0]
    boxes = layout(graph).boxes
    top = [boxes[node.key] for node in graph.root.states]
    for index, first in enumerate(top):
        for second in top[index + 1 :]:
            apart = (
                first.x + first.width <= second.x
                or second.x + second.width <= first.x
                or first.y + first.height <= second.y
                or second.y + second.height <= first.y
            )
            assert apart, (first.node.key, second.node.key)


def test_a_lambda_error_cause_reads_as_message_and_the_handlers_own_frame() -> None:
    cause = json.dumps(
        {
            "errorMessage": "insufficient funds",
            "errorType": "PaymentDeclined",
            "stackTrace": [
                '  File "/var/task/aws_lambda_powertools/tracing/tracer.py", line 351, in decorate\n',
                '  File "/var/task/orders/ledger.py", line 122, in charge\n    raise refusal\n',
                '  File "/var/task/aws_lambda_powertools/shared/functions.py", line 9, in helper\n',
            ],
        }
    )
    wrapped = json.dumps({"Error": "PaymentDeclined", "Cause": cause})

    assert readable_cause(cause) == "insufficient funds (at lambdas/orders/ledger.py:122 in charge)"
    assert readable_cause(wrapped) == "insufficient funds (at lambdas/orders/ledger.py:122 in charge)"
    assert readable_cause("plain words") == "plain words"
