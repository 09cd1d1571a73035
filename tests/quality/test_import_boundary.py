"""No import inside stacks/ runs upward: stacks/common knows no workflow or config, constructs no config."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.quality.import_boundary import module_name, upward_imports, violations_in

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_under_stacks_imports_upward() -> None:
    found = upward_imports(ROOT)

    assert not found, "\n".join(map(str, found))


@pytest.mark.parametrize(
    ("snippet", "imported"),
    [
        ("from stacks.config import EnvironmentConfig\n", "stacks.config.EnvironmentConfig"),
        ("import stacks.application\n", "stacks.application"),
        ("from stacks import settings\n", "stacks.settings"),
        ("from stacks.settings import Settings\n", "stacks.settings.Settings"),
        ("from stacks.rag.settings import RagSettings\n", "stacks.rag.settings.RagSettings"),
        ("from stacks.orders import construct\n", "stacks.orders.construct"),
        ("from ..readiness import ensure_deployable\n", "stacks.readiness.ensure_deployable"),
        (
            "def f():\n    from stacks.tenants.construct import TenantProvisioning\n",
            "stacks.tenants.construct.TenantProvisioning",
        ),
    ],
)
def test_a_shared_module_importing_outside_stacks_common_is_found(snippet: str, imported: str) -> None:
    found = violations_in(snippet, "stacks.common.storage")

    assert [violation.imported for violation in found] == [imported]


def test_the_shared_package_init_is_checked_too() -> None:
    found = violations_in("from stacks.config import WORKFLOW_KEYS\n", "stacks.common", is_package=True)

    assert [violation.imported for violation in found] == ["stacks.config.WORKFLOW_KEYS"]


def test_a_shared_module_may_import_its_own_layer_and_libraries() -> None:
    snippet = (
        "from aws_cdk import RemovalPolicy\n"
        "from stacks.common.platform import Platform\n"
        "from . import nag\n"
        "from .storage import secure_bucket\n"
    )
    assert violations_in(snippet, "stacks.common.task_function") == []


@pytest.mark.parametrize(
    ("snippet", "imported"),
    [
        ("from stacks.config import EnvironmentConfig\n", "stacks.config.EnvironmentConfig"),
        ("from stacks import config\n", "stacks.config"),
        ("import stacks.application as app\n", "stacks.application"),
        ("from ..config import ConfigError\n", "stacks.config.ConfigError"),
    ],
)
def test_a_workflow_construct_importing_the_config_is_found(snippet: str, imported: str) -> None:
    found = violations_in(snippet, "stacks.rag.construct")

    assert [violation.imported for violation in found] == [imported]


def test_a_workflow_construct_may_import_its_settings_the_shared_layer_and_the_config_error() -> None:
    snippet = (
        "from stacks.common import Platform, PythonTaskFunction\n"
        "from stacks.rag.settings import RagSettings\n"
        "from stacks.settings import ConfigError\n"
    )
    assert violations_in(snippet, "stacks.rag.construct") == []


def test_a_workflow_stack_module_and_the_composition_may_import_the_config() -> None:
    snippet = "from stacks.config import EnvironmentConfig\n"

    assert violations_in(snippet, "stacks.orders.stack") == []
    assert violations_in(snippet, "stacks.application") == []
    assert violations_in("from stacks.cv.settings import CvSettings\n", "stacks.config") == []


def test_the_scan_reads_every_module_under_stacks(tmp_path: Path) -> None:
    (tmp_path / "stacks" / "common").mkdir(parents=True)
    (tmp_path / "stacks" / "extra" / "nested").mkdir(parents=True)
    (tmp_path / "stacks" / "common" / "helper.py").write_text("import os\nfrom stacks.extra import thing\n")
    (tmp_path / "stacks" / "extra" / "nested" / "part.py").write_text("from stacks.config import X\n")
    (tmp_path / "stacks" / "extra" / "stack.py").write_text("from stacks.config import X\n")

    assert [str(violation) for violation in upward_imports(tmp_path)] == [
        "stacks/common/helper.py:2: imports stacks.extra.thing (stacks/common imports only stacks.common)",
        "stacks/extra/nested/part.py:1: imports stacks.config.X (a workflow construct takes Platform and "
        "its settings)",
    ]
    assert module_name(tmp_path / "stacks" / "extra" / "__init__.py", tmp_path) == "stacks.extra"
