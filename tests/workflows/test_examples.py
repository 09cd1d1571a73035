"""Every shipped sample under examples/ runs locally and meets the outcome it declares.

One test per sample (`examples/<workflow>/<name>.json`, found by `localrun.samples.discover`), each
against a freshly provisioned stack, as `python -m localrun demo` runs them, so `make test` proves
what `make demo` shows.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import pytest

from localrun import LocalRunner
from localrun.cli import UNSUPPORTED_BY_MOTO
from localrun.samples import Sample, discover
from localrun.template import StackTemplate, synthesize, workflow_stack
from tests.support.synth import app_stacks

SAMPLES = discover()
TIMEOUT_SECONDS = 120.0


@functools.cache
def template(workflow: str, environments: Path | None = None) -> StackTemplate:
    """The workflow's dev stack, synthesized once per session (shared with the other workflow tests),
    or of the sample's own environments file."""
    if environments is not None:
        return synthesize(workflow_stack(workflow, "dev", environments))
    return synthesize(app_stacks("dev")[workflow])


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: f"{sample.workflow}/{sample.name}")
def test_sample_meets_its_declared_outcome(sample: Sample) -> None:
    warnings.filterwarnings("ignore", UNSUPPORTED_BY_MOTO, UserWarning)
    with LocalRunner(template(sample.workflow, sample.environments)) as runner:
        result = sample.run(runner, timeout=TIMEOUT_SECONDS)

    problems = sample.mismatches(result)
    assert problems == [], "\n".join([*problems, *result.trace()])
