"""Deploy an environment's workflows, refusing placeholder or permissive settings before anything runs.

    python -m scripts.deploy --env prod [--stacks "Orders Rag"] [--environments-file FILE] [-- CDK_ARGS]

(`make deploy ENV=prod [STACKS="Orders Rag"] [ENVIRONMENTS_FILE=FILE] [CDK_ARGS="--profile ops"]`.)
Reads the environment from cdk.json (or FILE, shaped like cdk.json's `context.environments`) and
validates it. Outside a sandbox, every setting still holding a placeholder or allowing everything is
named in one message and the deploy stops with exit code 2, before the CDK CLI or AWS is contacted.
Otherwise it runs `npx cdk deploy` on the chosen workflows' stacks (default: the environment's
`workflows`) with `--require-approval broadening`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from stacks.application import (
    ENVIRONMENTS_FILE_CONTEXT,
    PROJECT_ROOT,
    WORKFLOWS_CONTEXT,
    project_context,
    read_environments,
    resolve_workflows,
    stack_names,
)
from stacks.config import DEFAULT_ENVIRONMENT, ConfigError, EnvironmentConfig, load_environment
from stacks.readiness import ensure_deployable

REFUSED = 2

Runner = Callable[[Sequence[str]], int]


def run_in_project(command: Sequence[str]) -> int:
    """Run the CDK CLI from the project root (where cdk.json and the pinned CLI live)."""
    return subprocess.call(list(command), cwd=PROJECT_ROOT)


def cdk_deploy_command(
    config: EnvironmentConfig,
    workflows: Sequence[str],
    *,
    narrowed: bool,
    environments_file: Path | None,
    cdk_args: Sequence[str],
) -> list[str]:
    """`npx cdk deploy <stacks> -c env=<env> ...`; the context makes synth see what was checked here."""
    command = ["npx", "cdk", "deploy", *stack_names(config, workflows), "-c", f"env={config.name}"]
    if narrowed:
        command += ["-c", f"{WORKFLOWS_CONTEXT}={','.join(workflows)}"]
    if environments_file is not None:
        command += ["-c", f"{ENVIRONMENTS_FILE_CONTEXT}={environments_file}"]
    return [*command, "--require-approval", "broadening", *cdk_args]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.deploy",
        description="Deploy an environment's workflows (refuses placeholder settings outside a sandbox).",
        epilog="exit codes: 0 deployed, 2 configuration refused (nothing ran), else `cdk deploy`'s code",
    )
    parser.add_argument("--env", default=DEFAULT_ENVIRONMENT, help="environment name (default: dev)")
    parser.add_argument(
        "--stacks",
        default="",
        help='workflows to deploy by key or stack name, e.g. "Orders Rag" (default: the environment\'s)',
    )
    parser.add_argument(
        "--environments-file",
        type=Path,
        help="JSON file of environments used instead of cdk.json's context.environments",
    )
    parser.add_argument("cdk_args", nargs=argparse.REMAINDER, help="after --: extra `cdk deploy` arguments")
    return parser


def main(argv: Sequence[str] | None = None, run: Runner = run_in_project) -> int:
    args = _parser().parse_args(argv)
    environments_file = args.environments_file.resolve() if args.environments_file else None
    names = args.stacks.replace(",", " ").split()
    try:
        environments = (
            read_environments(environments_file) if environments_file else project_context()["environments"]
        )
        config = load_environment(environments, args.env)
        workflows = resolve_workflows(config, names) if names else config.workflows
        ensure_deployable(config, workflows)
    except ConfigError as error:
        print(f"stepwise config error: {error}", file=sys.stderr)
        return REFUSED
    cdk_args = args.cdk_args[1:] if args.cdk_args[:1] == ["--"] else args.cdk_args
    command = cdk_deploy_command(
        config, workflows, narrowed=bool(names), environments_file=environments_file, cdk_args=cdk_args
    )
    print(f"+ {shlex.join(command)}", flush=True)
    return run(command)


if __name__ == "__main__":
    sys.exit(main())
