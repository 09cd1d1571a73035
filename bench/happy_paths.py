"""Each workflow's happy-path sample, and running one through localrun on a fresh moto."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from localrun.template import prepare_cdk_environment

prepare_cdk_environment()

from localrun.cli import load_template  # noqa: E402  (after the CDK environment is prepared)
from localrun.result import RunResult  # noqa: E402
from localrun.runner import LocalRunner  # noqa: E402
from localrun.samples import EXAMPLES_ROOT, Sample  # noqa: E402


@dataclass(frozen=True)
class HappyPath:
    """The sample `examples/<workflow>/<sample>.json` that shows the workflow doing its job."""

    workflow: str
    sample: str

    @property
    def label(self) -> str:
        return f"{self.workflow}/{self.sample}"

    def load(self) -> Sample:
        return Sample.load(EXAMPLES_ROOT / self.workflow / f"{self.sample}.json", self.workflow)


HAPPY_PATHS: tuple[HappyPath, ...] = (
    HappyPath("agent", "parallel-tools"),
    HappyPath("cv", "labeling-completed"),
    HappyPath("cv", "preparation-new-cameras"),
    HappyPath("orders", "happy-path"),
    HappyPath("rag", "ingest-corpus"),
    HappyPath("tenants", "provision-tenant"),
)


class HappyPathFailed(RuntimeError):
    """A happy-path sample did not end as its sample file expects: its figures would mean nothing."""


@contextmanager
def fresh_runner(path: HappyPath, env: str = "dev") -> Iterator[LocalRunner]:
    """A runner of the workflow's synthesized stack on a fresh moto (template synthesized once)."""
    with LocalRunner(load_template(path.workflow, env)) as runner:
        yield runner


def run_checked(path: HappyPath, runner: LocalRunner, sample: Sample | None = None) -> RunResult:
    """Seed and run the sample; raise HappyPathFailed unless it ends as expected."""
    sample = sample or path.load()
    result = sample.run(runner, timeout=300)
    problems = sample.mismatches(result)
    if problems:
        raise HappyPathFailed(f"{path.label}: {'; '.join(problems)}")
    return result


def state_machine_type(runner: LocalRunner, sample: Sample) -> str:
    """STANDARD or EXPRESS, as the template declares the state machine the sample runs."""
    arn = runner.state_machine_arn(sample.state_machine)
    return str(runner.client("stepfunctions").describe_state_machine(stateMachineArn=arn)["type"])
