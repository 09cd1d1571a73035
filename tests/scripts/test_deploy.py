"""scripts.deploy: refuses placeholder settings (exit 2) without running anything, else runs cdk deploy."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from scripts import deploy
from tests.support.environments import (
    SHIPPED_PROD_PROBLEMS,
    complete_environments,
    shipped_environments,
    with_environment,
)

ALL_PROD_STACKS = [
    "Stepwise-prod-Agent",
    "Stepwise-prod-CvSafety",
    "Stepwise-prod-Orders",
    "Stepwise-prod-Rag",
    "Stepwise-prod-Tenants",
]


class Recorder:
    """Stands in for the CDK CLI: records each command and answers with an exit code."""

    def __init__(self, exit_code: int = 0) -> None:
        self.commands: list[list[str]] = []
        self.exit_code = exit_code

    def __call__(self, command: Sequence[str]) -> int:
        self.commands.append(list(command))
        return self.exit_code


def named_keys(stderr: str) -> list[str]:
    return [line.split(":", 1)[0].strip() for line in stderr.strip().splitlines()[1:]]


@pytest.fixture
def environments_file(tmp_path):
    def write(environments: dict) -> str:
        path = tmp_path / "environments.json"
        path.write_text(json.dumps(environments))
        return str(path)

    return write


def test_shipped_prod_is_refused_naming_every_key_and_nothing_runs(capsys):
    runner = Recorder()
    assert deploy.main(["--env", "prod"], run=runner) == 2
    assert runner.commands == []
    err = capsys.readouterr().err
    assert err.startswith("stepwise config error: environment 'prod' is not a sandbox and 14 of its settings")
    assert named_keys(err) == SHIPPED_PROD_PROBLEMS


def test_chosen_stacks_check_only_their_workflows(capsys):
    runner = Recorder()
    assert deploy.main(["--env", "staging", "--stacks", "Orders Rag"], run=runner) == 2
    assert runner.commands == []
    assert named_keys(capsys.readouterr().err) == [
        "account",
        "region",
        "alarmEmail",
        "orders.approverEmail",
        "orders.approverPrincipals",
        "orders.operatorPrincipals",
    ]


def test_complete_settings_run_cdk_deploy_on_every_workflow(environments_file, capsys):
    path = environments_file(complete_environments())
    runner = Recorder(exit_code=7)
    assert deploy.main(["--env", "prod", "--environments-file", path], run=runner) == 7
    assert runner.commands == [
        [
            "npx",
            "cdk",
            "deploy",
            *ALL_PROD_STACKS,
            "-c",
            "env=prod",
            "-c",
            f"environmentsFile={path}",
            "--require-approval",
            "broadening",
        ]
    ]
    assert capsys.readouterr().out.startswith("+ npx cdk deploy Stepwise-prod-Agent ")


def test_chosen_stacks_are_deployed_alone_and_synthesized_alone(environments_file):
    path = environments_file(complete_environments())
    runner = Recorder()
    argv = ["--env", "prod", "--environments-file", path, "--stacks", "rag, Stepwise-prod-Orders"]
    assert deploy.main([*argv, "--", "--profile", "ops"], run=runner) == 0
    (command,) = runner.commands
    assert command[3:5] == ["Stepwise-prod-Orders", "Stepwise-prod-Rag"]
    assert command[7:9] == ["-c", "workflows=orders,rag"]
    assert command[-4:] == ["--require-approval", "broadening", "--profile", "ops"]


def test_a_sandbox_deploys_with_placeholders():
    runner = Recorder()
    assert deploy.main(["--env", "dev", "--stacks", "Orders"], run=runner) == 0
    assert runner.commands == [
        [
            "npx",
            "cdk",
            "deploy",
            "Stepwise-dev-Orders",
            "-c",
            "env=dev",
            "-c",
            "workflows=orders",
            "--require-approval",
            "broadening",
        ]
    ]


@pytest.mark.parametrize(
    ("argv", "environments", "expected"),
    [
        (["--env", "nope"], None, "unknown environment 'nope' (-c env=...): allowed values are dev,"),
        (["--env", "dev", "--stacks", "Orders Billing"], None, "unknown workflow 'Billing': allowed"),
        (
            ["--env", "staging", "--stacks", "Tenants"],
            with_environment("staging", workflows=["orders", "rag"]),
            "environments.staging.workflows does not list tenants: environment 'staging' deploys orders, rag",
        ),
        (
            ["--env", "prod"],
            with_environment("prod", alarmEmail="not-an-address"),
            "environments.prod.alarmEmail: String should match pattern",
        ),
    ],
)
def test_bad_input_is_refused_before_anything_runs(argv, environments, expected, environments_file, capsys):
    if environments is not None:
        argv = [*argv, "--environments-file", environments_file(environments)]
    runner = Recorder()
    assert deploy.main(argv, run=runner) == 2
    assert runner.commands == []
    assert capsys.readouterr().err.startswith(f"stepwise config error: {expected}")


def test_a_missing_environments_file_is_named(tmp_path, capsys):
    runner = Recorder()
    path = tmp_path / "missing.json"
    assert deploy.main(["--env", "prod", "--environments-file", str(path)], run=runner) == 2
    assert runner.commands == []
    assert f"environments file '{path}': cannot be read as JSON" in capsys.readouterr().err


def test_the_environments_file_is_passed_to_synth_as_an_absolute_path(tmp_path, monkeypatch):
    (tmp_path / "envs.json").write_text(json.dumps(shipped_environments()))
    monkeypatch.chdir(tmp_path)
    runner = Recorder()
    assert deploy.main(["--env", "dev", "--environments-file", "envs.json"], run=runner) == 0
    assert f"environmentsFile={tmp_path / 'envs.json'}" in runner.commands[0]
