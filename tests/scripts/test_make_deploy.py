"""`make deploy ENV=prod` end to end, as on a fresh clone with no AWS credentials anywhere.

The shipped prod is refused before the CDK CLI runs (a stand-in `npx` first on PATH records any
call); with every readiness key set (an environments file), the real `npx cdk deploy` synthesizes the
pinned environment and stops at the missing credentials.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from stacks.application import PROJECT_ROOT
from tests.support.environments import ACCOUNT, REGION, SHIPPED_PROD_PROBLEMS, complete_environments

MAKE = shutil.which("make")
# Set-up already ran (this test runs in its venv): a checkout newer than the stamps must not reinstall.
SETUP_STAMPS = (".venv/.installed", "node_modules/.installed")
NO_CREDENTIALS = f"Need to perform AWS calls for account {ACCOUNT}, but no credentials have been configured"

pytestmark = pytest.mark.skipif(MAKE is None, reason="needs GNU make")


def without_credentials(tmp_path: Path) -> dict[str, str]:
    """This process's environment without any AWS_* variable, with an empty HOME (no ~/.aws)."""
    home = tmp_path / "home"
    home.mkdir()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment.update(
        HOME=str(home),
        AWS_EC2_METADATA_DISABLED="true",
        NPM_CONFIG_UPDATE_NOTIFIER="false",
        # Caches are not credentials: keep the jsii package cache and pip's wheels (layer bundling).
        JSII_RUNTIME_PACKAGE_CACHE_ROOT=str(Path.home() / ".cache" / "aws" / "jsii" / "package-cache"),
        PIP_CACHE_DIR=str(Path.home() / ".cache" / "pip"),
        # CloudFormation validation at synth is not what these tests are about (it costs ~6 s).
        CDK_VALIDATION="false",
    )
    return environment


def make_deploy(environment: dict[str, str], *variables: str) -> subprocess.CompletedProcess[str]:
    assume_old = [f"--assume-old={stamp}" for stamp in SETUP_STAMPS]
    return subprocess.run(
        [str(MAKE), *assume_old, "deploy", *variables],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_shipped_prod_is_refused_before_the_cdk_cli_or_aws_naming_every_key(tmp_path):
    shim = tmp_path / "bin"
    shim.mkdir()
    called = tmp_path / "npx-was-called"
    (shim / "npx").write_text(f'#!/bin/sh\necho "$@" > {called}\nexit 97\n')
    (shim / "npx").chmod(0o755)
    environment = without_credentials(tmp_path)
    environment["PATH"] = f"{shim}{os.pathsep}{environment['PATH']}"

    result = make_deploy(environment, "ENV=prod")

    assert not called.exists()
    assert re.search(r"\[Makefile:\d+: deploy\] Error 2$", result.stderr.strip())
    message = result.stderr[result.stderr.index("stepwise config error:") :]
    headline, *lines = message.strip().splitlines()[:-1]
    assert headline.startswith("stepwise config error: environment 'prod' is not a sandbox")
    assert [line.split(":", 1)[0].strip() for line in lines] == SHIPPED_PROD_PROBLEMS
    assert result.stderr.count("stepwise config error") == 1


def test_complete_prod_proceeds_to_cdk_deploy_and_stops_at_the_missing_credentials(tmp_path):
    environments = tmp_path / "environments.json"
    environments.write_text(json.dumps(complete_environments()))

    result = make_deploy(
        without_credentials(tmp_path),
        "ENV=prod",
        f"ENVIRONMENTS_FILE={environments}",
        f"CDK_ARGS=--output {tmp_path / 'cdk.out'}",
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "stepwise config error" not in output
    assert (
        "+ npx cdk deploy Stepwise-prod-Agent Stepwise-prod-CvSafety Stepwise-prod-Orders "
        "Stepwise-prod-Rag Stepwise-prod-Tenants -c env=prod" in result.stdout
    )
    assert NO_CREDENTIALS in result.stderr
    manifest = json.loads((tmp_path / "cdk.out" / "manifest.json").read_text())
    environments_of_stacks = {
        name: artifact["environment"]
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }
    assert environments_of_stacks == dict.fromkeys(
        [
            "Stepwise-prod-Agent",
            "Stepwise-prod-CvSafety",
            "Stepwise-prod-Orders",
            "Stepwise-prod-Rag",
            "Stepwise-prod-Tenants",
        ],
        f"aws://{ACCOUNT}/{REGION}",
    )
