"""The CDK entry point as the CLI runs it: context from cdk.json, `-c env=...`, one-line errors."""

import json
import os
import subprocess
import sys

from stacks.application import PROJECT_ROOT, project_context
from tests.support.environments import ACCOUNT, SHIPPED_PROD_PROBLEMS, environment_names, with_environment


def _synth(tmp_path, env_name: str) -> subprocess.CompletedProcess:
    context = {**project_context(), "env": env_name, "aws:cdk:bundling-stacks": []}
    environment = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_OUTDIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_unknown_environment_stops_synth_with_one_line(tmp_path):
    result = _synth(tmp_path, "nope")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "stepwise config error: unknown environment 'nope' (-c env=...): "
        f"allowed values are {', '.join(environment_names())}"
    )


def test_prod_synthesizes_without_credentials(tmp_path):
    environment_without_credentials = {
        key: value for key, value in os.environ.items() if not key.startswith("AWS_")
    }
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env={
            **environment_without_credentials,
            "CDK_CONTEXT_JSON": json.dumps(
                {**project_context(), "env": "prod", "aws:cdk:bundling-stacks": []}
            ),
            "CDK_OUTDIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    stacks = [
        name for name, item in manifest["artifacts"].items() if item["type"] == "aws:cloudformation:stack"
    ]
    assert all(name.startswith("Stepwise-prod-") for name in stacks)


def test_a_pinned_non_sandbox_environment_with_placeholders_stops_synth(tmp_path):
    """What `npx cdk deploy -c env=prod` runs once prod names its account: the refusal, before any stack."""
    context = {
        **project_context(),
        "environments": with_environment("prod", account=ACCOUNT),
        "env": "prod",
        "aws:cdk:bundling-stacks": [],
    }
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    headline, *lines = result.stderr.strip().splitlines()
    assert headline.startswith("stepwise config error: environment 'prod' is not a sandbox and 13 of its")
    assert [line.split(":", 1)[0].strip() for line in lines] == SHIPPED_PROD_PROBLEMS[1:]
    assert not (tmp_path / "manifest.json").exists()
