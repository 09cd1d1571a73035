"""`python -m scripts.redrive` against localrun: list, dry run, apply, refusals and exit codes."""

from __future__ import annotations

import time

import pytest

from localrun import LocalRunner
from scripts.redrive.__main__ import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from scripts.redrive.target import Target
from tests.scripts.redrive.conftest import charges, declined, outage

DAY = 24 * 3600


def test_list_shows_each_unsuccessful_execution_with_its_error_and_verdict(
    runner: LocalRunner, target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    outage(runner, "o-outage")
    declined(runner, "o-declined")
    runner.run({"order": "o-fine"}, name="o-fine")

    code = main(["list", "--workflow", "orders"], target=target)

    out = capsys.readouterr().out
    assert code == EXIT_OK
    [outage_line] = [line for line in out.splitlines() if line.startswith("o-outage")]
    assert "FAILED" in outage_line and "at Charge" in outage_line
    assert "error ServiceUnavailable" in outage_line and "the payment service is down" in outage_line
    assert outage_line.endswith("redrivable")
    [declined_line] = [line for line in out.splitlines() if line.startswith("o-declined")]
    assert "not redrivable: it failed in the Fail state Refused" in declined_line
    assert "o-fine" not in out
    assert out.splitlines()[-1] == "2 unsuccessful execution(s), 1 redrivable"


def test_redrive_is_a_dry_run_without_apply(
    runner: LocalRunner, target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = outage(runner, "o-dry")

    code = main(["redrive", "--workflow", "orders", "--all"], target=target)

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "would redrive o-dry from Charge (FAILED, ServiceUnavailable)" in out
    assert "dry run: nothing redriven" in out
    description = runner.client("stepfunctions").describe_execution(executionArn=arn)
    assert (description["status"], description["redriveCount"]) == ("FAILED", 0)
    assert charges(runner) == {}


def test_apply_redrives_every_redrivable_execution_once(
    runner: LocalRunner, target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = outage(runner, "o-1"), outage(runner, "o-2")
    refused = declined(runner, "o-3")
    sfn = runner.client("stepfunctions")

    code = main(["redrive", "--workflow", "orders", "--all", "--apply"], target=target)
    for arn in (first, second):
        wait_until_stopped(runner, arn)

    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "redriven o-1" in out and "redriven o-2" in out
    assert "skip o-3: not redrivable" in out
    assert [sfn.describe_execution(executionArn=arn)["status"] for arn in (first, second)] == [
        "SUCCEEDED"
    ] * 2
    assert sfn.describe_execution(executionArn=refused)["redriveCount"] == 0
    assert charges(runner) == {"o-1": 1, "o-2": 1}

    assert main(["redrive", "--workflow", "orders", "--all", "--apply"], target=target) == EXIT_OK
    assert charges(runner) == {"o-1": 1, "o-2": 1}  # nothing left to redrive


def test_a_named_execution_that_cannot_be_redriven_fails_the_run(
    runner: LocalRunner, target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    done = runner.run({"order": "o-done"}, name="o-done").execution_arn

    code = main(["redrive", "--workflow", "orders", "--execution", done, "--apply"], target=target)

    assert code == EXIT_FAILED
    assert (
        "skip o-done: not redrivable: Execution is SUCCEEDED and cannot be redriven."
        in capsys.readouterr().out
    )


def test_executions_stopped_over_fourteen_days_ago_are_reported_not_redriven(
    runner: LocalRunner, target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    arn = outage(runner, "o-old")
    runner.pass_time(15 * DAY)

    assert main(["list", "--workflow", "orders"], target=target) == EXIT_OK
    assert "o-old" not in capsys.readouterr().out  # outside the default --since 14d
    assert (
        main(["redrive", "--workflow", "orders", "--all", "--since", "30d", "--apply"], target=target)
        == EXIT_OK
    )

    assert "skip o-old: not redrivable: Execution redrivable period exceeded." in capsys.readouterr().out
    assert runner.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "FAILED"


def test_bad_arguments_are_usage_errors(target: Target, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--workflow", "orders", "--since", "last tuesday"], target=target) == EXIT_USAGE
    assert "--since 'last tuesday'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as raised:
        main(["redrive", "--workflow", "billing", "--all"], target=target)
    assert raised.value.code == EXIT_USAGE
    with pytest.raises(SystemExit) as raised:
        main(["redrive", "--workflow", "orders"], target=target)  # neither --execution nor --all
    assert raised.value.code == EXIT_USAGE


def wait_until_stopped(runner: LocalRunner, arn: str) -> None:
    """Wait for an execution the tool redrove (through the API, so the runner does not track it)."""
    sfn = runner.client("stepfunctions")
    for _ in range(1000):
        if sfn.describe_execution(executionArn=arn)["status"] != "RUNNING":
            return
        time.sleep(0.01)
    raise AssertionError(f"{arn} still running")


def test_order_is_a_usage_error_where_no_orders_are_parked(
    target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["redrive", "--workflow", "rag", "--order", "o-1"], target=target)

    assert code == EXIT_USAGE
    assert "--order: only the orders workflow parks orders" in capsys.readouterr().err
