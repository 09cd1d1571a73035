"""Every operator script and CLI: help text on every argument, and one exit-code convention
(0 ok, 1 a failed run or operation, 2 a usage, input or configuration error)."""

from __future__ import annotations

import argparse
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from scripts.exit_codes import EXIT_USAGE
from scripts.orders.stack_outputs import OutputMissing
from scripts.tenants.deployment import DeploymentNotFound

PROJECT = Path(__file__).resolve().parents[2]
COMMANDS = (
    "bench.__main__",
    "bench.localrun_throughput",
    "bench.minimal_app",
    "bench.synth_phases",
    "bench.tenants",
    "localrun.cli",
    "localrun.engine.override_table",
    "scripts.agent.approval",
    "scripts.demo",
    "scripts.deploy",
    "scripts.diagrams",
    "scripts.orders.approval",
    "scripts.orders.parked",
    "scripts.orders.seed",
    "scripts.orders.submit",
    "scripts.redrive.__main__",
    "scripts.tenants.mark",
    "scripts.tenants.retire",
    "scripts.tenants.retry_baseline",
    "scripts.tenants.sweep",
)


class _Captured(Exception):
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


def parser_of(module: ModuleType, monkeypatch: pytest.MonkeyPatch) -> argparse.ArgumentParser:
    """The parser `module.main` builds, caught as it starts parsing."""

    def capture(self: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        raise _Captured(self)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(_Captured) as caught:
        module.main([])
    monkeypatch.undo()
    return caught.value.parser


def actions(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[tuple[str, argparse.Action]]:
    """Every argument of the parser and of its subcommands, named `subcommand dest`."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            yield from ((f"{prefix}{choice.dest}", choice) for choice in action._choices_actions)
            for name, sub in action.choices.items():
                yield from actions(sub, f"{prefix}{name} ")
            continue
        yield f"{prefix}{action.dest}", action


def test_every_command_line_entry_point_is_listed_here() -> None:
    found = {
        ".".join(path.relative_to(PROJECT).with_suffix("").parts)
        for folder in ("scripts", "localrun", "bench")
        for path in (PROJECT / folder).rglob("*.py")
        if re.search(r"^if __name__ == .__main__.:", path.read_text(), re.MULTILINE)
    }
    assert found - {"localrun.__main__"} <= set(COMMANDS), "add the new script to COMMANDS"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_argument_has_help_text_and_the_exit_codes_are_stated(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    parser = parser_of(importlib.import_module(name), monkeypatch)

    missing = [
        dest for dest, action in actions(parser) if not action.help or action.help == argparse.SUPPRESS
    ]
    assert not missing, f"{name}: arguments without help text: {missing}"
    assert "exit codes" in f"{parser.description} {parser.epilog}".lower(), name


@pytest.mark.parametrize("name", COMMANDS)
def test_a_usage_error_exits_2(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        importlib.import_module(name).main(["--no-such-option"])

    assert exited.value.code == EXIT_USAGE
    assert "error:" in capsys.readouterr().err


def _no_stack(*args: Any, **kwargs: Any) -> Any:
    raise OutputMissing("stack Stepwise-dev-Orders not found")


def _no_tenants_stack(*args: Any, **kwargs: Any) -> Any:
    raise DeploymentNotFound("stack Stepwise-dev-Tenants not found")


@pytest.mark.parametrize(
    ("name", "argv", "attribute", "fake"),
    [
        ("scripts.orders.approval", ["approve", "o-1"], "stack_output", _no_stack),
        ("scripts.orders.submit", ["examples/orders/happy-path.json"], "stack_output", _no_stack),
        ("scripts.orders.seed", ["examples/orders/happy-path.json"], "stack_output", _no_stack),
        ("scripts.tenants.retire", ["acme"], "connect", _no_tenants_stack),
        ("scripts.tenants.mark", ["acme", "--reason", "x"], "connect", _no_tenants_stack),
        ("scripts.tenants.sweep", [], "connect", _no_tenants_stack),
    ],
)
def test_a_stack_that_is_not_deployed_is_a_configuration_error(
    name: str, argv: list[str], attribute: str, fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = importlib.import_module(name)
    monkeypatch.setattr(module, attribute, fake)

    assert module.main(argv) == EXIT_USAGE


def test_localrun_input_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from localrun import cli

    assert cli.main(["run", "orders", "--input", "examples/orders"]) == EXIT_USAGE
    assert capsys.readouterr().err.count("\n") == 1
