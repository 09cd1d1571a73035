"""Session-wide test set-up: fast synth (no CloudFormation WASM validation, no bundling)."""

import gc
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("CDK_VALIDATION", "false")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SECURITY_TOKEN", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "StepwiseTests")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LAMBDAS_ROOT = PROJECT_ROOT / "lambdas"
if str(LAMBDAS_ROOT) not in sys.path:
    sys.path.insert(0, str(LAMBDAS_ROOT))

pytest_plugins = (
    "tests.resilience.report",  # prints the fault matrix (tests/resilience) under xdist too
    "tests.support.fault_check",  # a test whose injected fault never fires fails
)


# A test process holds a large, long-lived heap (synthesized apps, botocore models, moto backends):
# with the default thresholds, ~35 full collections re-scanned all of it (~12 s of a worker's run).
GC_THRESHOLDS = (7000, 10, 100)


def pytest_configure(config: pytest.Config) -> None:
    """Every test process gets localrun's speed-ups of botocore and moto that keep their behaviour
    (`localrun/engine/speed/shared_caches.py`, `deferred.py`) and fewer collections of its long-lived
    heap; the xdist controller runs no test."""
    config.addinivalue_line(
        "markers", "faults_may_not_fire: the test tries faults that may not fire on purpose"
    )
    if os.environ.get("STEPWISE_CDK_JSON"):
        from tests.support.environments import use_cdk_json_from_environment

        use_cdk_json_from_environment()
    if config.getoption("numprocesses", None) and not hasattr(config, "workerinput"):
        return
    from localrun.engine.speed import deferred, shared_caches
    from tests.support import fault_check

    fault_check.install()
    shared_caches.install()
    deferred.install()
    gc.set_threshold(*GC_THRESHOLDS)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (modules, the dev app, parametrized cells) lives as long as the
    process: full collections stop re-scanning it (objects made later are collected as usual)."""
    gc.collect()
    gc.freeze()
