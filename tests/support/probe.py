"""The probe stack synthesized once per session, for tests of the shared constructs."""

from __future__ import annotations

import functools
from typing import Any

from aws_cdk.assertions import Template

from stacks.application import project_context
from stacks.common import enable_nag
from stacks.config import load_environment
from tests.support.probe_stack import ProbeStack
from tests.support.synth import fresh_app


def probe_stack(env_name: str = "dev", **context: Any) -> ProbeStack:
    app = fresh_app(**context)
    stack = ProbeStack(app, load_environment(project_context()["environments"], env_name))
    enable_nag(app)
    return stack


@functools.cache
def probe_template() -> Template:
    return Template.from_stack(probe_stack())
