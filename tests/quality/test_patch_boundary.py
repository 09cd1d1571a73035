"""Every patch localrun, a script's local set-up or a benchmark makes goes through the overrides registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.quality.patch_boundary import patches_in, patches_outside_registry

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_of_localrun_scripts_or_bench_patches_outside_the_registry() -> None:
    found = patches_outside_registry(ROOT)

    assert not found, "\n".join(map(str, found))


@pytest.mark.parametrize(
    ("snippet", "target"),
    [
        ("import os\nos.environ = {}\n", "os.environ"),
        ("import threading\nthreading.Thread.start = None\n", "threading.Thread.start"),
        ("from concurrent.futures import ThreadPoolExecutor as Pool\nPool.submit = None\n", "Pool.submit"),
        ("import sys\nsetattr(sys, 'stdout', None)\n", "sys.<setattr>"),
        (
            "from moto.organizations import models\nmodels.OrganizationsBackend.x += 1\n",
            "models.OrganizationsBackend.x",
        ),
        ("import logging\ndel logging.getLogger\n", "logging.getLogger"),
        ("import json\ndef f():\n    json.loads: object = None\n", "json.loads"),
    ],
)
def test_a_patch_of_an_imported_name_is_found(snippet: str, target: str) -> None:
    assert [patch.target for patch in patches_in(snippet)] == [target]


def test_state_on_local_objects_is_not_a_patch() -> None:
    snippet = (
        "import os\n"
        "class A:\n"
        "    def f(self, env):\n"
        "        self.run = None\n"
        "        setattr(env, 'clock', 1)\n"
        "        env.value = os.getcwd()\n"
    )
    assert patches_in(snippet) == []


def test_the_scan_reads_every_module_of_the_packages_but_the_registry(tmp_path: Path) -> None:
    (tmp_path / "localrun" / "engine").mkdir(parents=True)
    (tmp_path / "scripts" / "tenants").mkdir(parents=True)
    (tmp_path / "localrun" / "engine" / "overrides.py").write_text("import os\nsetattr(os, 'x', 1)\n")
    (tmp_path / "scripts" / "tenants" / "local.py").write_text("import boto3\nboto3.client = None\n")

    assert [str(patch) for patch in patches_outside_registry(tmp_path)] == [
        "scripts/tenants/local.py:2: patches boto3.client outside localrun/engine/overrides.py"
    ]
