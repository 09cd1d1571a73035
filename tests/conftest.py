"""Session-wide test set-up: fast synth (no CloudFormation WASM validation, no bundling)."""

import os
import sys
from pathlib import Path

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

pytest_plugins = ("tests.resilience.report",)  # prints the fault matrix (tests/resilience) under xdist too
