"""One provisioned LocalRunner per workflow, reset between runs, and the judge of every cell.

A `Harness` runs scenarios (a shipped sample, optionally with route faults that steer it to a
state the sample alone does not reach), checks the workflow's invariants after each run, and
classifies a faulted run against the unfaulted run of the same scenario (`judge`). Workflow
specifics (reset, seed, invariants, summaries) live in `tests/resilience/worlds.py`.
"""

from __future__ import annotations

import importlib
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from localrun import Fault, LocalRunner, RunResult
from localrun.runner import RunTimeout
from localrun.samples import Sample, discover, seed
from tests.resilience.matrix import (
    AMBIGUOUS,
    CATCH_ALL,
    PERMANENT,
    RAISED,
    Cell,
    Machine,
    Path,
    designed_route,
    machines,
)
from tests.resilience.outcomes import (
    LOCALRUN_GAPS,
    POLICIES,
    RECONCILED,
    TOLERATED,
    UNHANDLED_ERRORS,
    WorkflowPolicy,
    permanent_error,
)
from tests.resilience.spec import CAUGHT_ERROR, STEP_ERROR, designed
from tests.support.synth import app_stacks

RUN_TIMEOUT = 60.0
_names = itertools.count(1)


@dataclass(frozen=True)
class Scenario:
    """A sample run, plus route faults that make it reach a state the sample alone does not."""

    sample: Sample
    route: tuple[Fault, ...] = ()

    @property
    def label(self) -> str:
        if not self.route:
            return self.sample.name
        return self.sample.name + "".join(f" + {fault.target} failing" for fault in self.route)


@dataclass
class Observation:
    """What one run did: its result (None if it never finished) and broken invariants."""

    scenario: Scenario
    result: RunResult | None
    summary: str
    problems: list[str] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def reached(self) -> set[str]:
        """States entered, Lambda-invoking states of Distributed Map children included."""
        if self.result is None:
            return set()
        return set(self.result.states) | {i.state for i in self.result.invocations if i.state}


@dataclass(frozen=True)
class Verdict:
    """The judged cell: `verdict` is happy, designed, tolerated or UNHANDLED."""

    verdict: str
    outcome: str
    scenario: str
    problems: tuple[str, ...] = ()

    @property
    def handled(self) -> bool:
        return self.verdict != "UNHANDLED"


class Harness:
    """A workflow's stack provisioned once in moto; subclasses know its data and invariants."""

    workflow: str

    def __init__(self) -> None:
        self.policy: WorkflowPolicy = POLICIES[self.workflow]
        self.machines: list[Machine] = machines(self.workflow)
        # The matrix runs the dev app: a sample synthesized from its own environments file is not its.
        self.samples: dict[str, Sample] = {
            sample.name: sample for sample in discover(workflow=self.workflow) if sample.environments is None
        }
        self.runner = LocalRunner.for_stack(app_stacks("dev")[self.workflow])
        self._baselines: dict[tuple[str, tuple[Fault, ...]], Observation] = {}
        self._captures: list[str] = []

    # ---- lifecycle -------------------------------------------------------------------------------

    def open(self) -> Harness:
        self.runner.start()
        self._capture_messages()
        self.open_world()
        return self

    def close(self) -> None:
        try:
            self.close_world()
        finally:
            self.runner.close()

    def open_world(self) -> None:
        """One-time set-up beyond the template (an organization, StackSets, ...)."""

    def close_world(self) -> None:
        """Undo `open_world`."""

    def _capture_messages(self) -> None:
        """A queue behind every event bus (and the default bus) and every topic of the stack, so a
        snapshot sees any event or notification a run sends."""
        sqs, events, sns = (self.runner.client(name) for name in ("sqs", "events", "sns"))
        buses = ["default"] + [
            r.name for r in self.runner.resources.values() if r.type == "AWS::Events::EventBus"
        ]
        topics = [r.ref for r in self.runner.resources.values() if r.type == "AWS::SNS::Topic"]
        for index, target in enumerate([*buses, *topics]):
            url = sqs.create_queue(QueueName=f"resilience-capture-{self.workflow}-{index}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            if target in topics:
                sns.subscribe(TopicArn=target, Protocol="sqs", Endpoint=arn)
            else:
                rule = f"resilience-capture-{self.workflow}-{index}"  # buses are shared in moto
                events.put_rule(Name=rule, EventBusName=target, EventPattern=json.dumps({"version": ["0"]}))
                events.put_targets(Rule=rule, EventBusName=target, Targets=[{"Id": "capture", "Arn": arn}])
            self._captures.append(url)

    # ---- workflow specifics (overridden in worlds.py) --------------------------------------------

    def reset(self) -> None:
        """Remove every record earlier runs left (tables, objects, messages)."""
        raise NotImplementedError

    def prepare(self, sample: Sample, history: bool = True) -> dict[str, Any]:
        """Seed the sample's data (and, with `history`, prior state the invariants compare against)."""
        self.seed_sample(sample)
        return {}

    def seed_sample(self, sample: Sample) -> None:
        """The sample's `seed`, then its `setup` hook (state a seed cannot express)."""
        seed(self.runner, sample.seed, sample.path.parent)
        if sample.setup:
            module, _, function = sample.setup.partition(":")
            getattr(importlib.import_module(module), function)(self.runner, sample)

    def invariants(self, observation: Observation) -> list[str]:
        """The workflow's invariants after a run; each broken one as a sentence."""
        raise NotImplementedError

    def summarize(self, result: RunResult) -> str:
        """The run's outcome as compared between a faulted and an unfaulted run."""
        return _status(result)

    def degraded(self, observation: Observation, baseline: Observation) -> str | None:
        """Why a SUCCEEDED run under a permanent fault is the designed per-item failure, if it is."""
        return None

    def bedrock_script(self, sample: Sample, faults: Sequence[Fault]) -> Any:
        """The run's Bedrock script under `faults` (the sample's own; worlds adapt it per cell)."""
        return sample.bedrock

    def business_state(self, sample: Sample) -> Any:
        """The side effects a duplicate start must not repeat (compared as a whole)."""
        return self.snapshot()

    def duplicate_names(self, sample: Sample) -> tuple[str | None, str | None]:
        """Execution names of the first and the duplicate start (None: a fresh unique name)."""
        return None, None

    # ---- running -----------------------------------------------------------------------------------

    def drain_captures(self) -> None:
        for url in self._captures:
            self.receive(url)

    def receive(self, url: str) -> list[dict[str, Any]]:
        """Every message waiting in `url` (removed from the queue)."""
        sqs, messages = self.runner.client("sqs"), []
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            messages += batch
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)
        return messages

    def execute(
        self,
        scenario: Scenario,
        faults: Sequence[Fault] = (),
        *,
        input: Any = None,
        context: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> Observation:
        """Run the scenario and check the invariants; without a `context` (what `fresh` returned),
        the world is reset and the sample seeded first."""
        sample = scenario.sample
        if context is None:
            context = self.fresh(sample)
        all_faults = [*sample.faults, *scenario.route, *faults]
        try:
            result = self.runner.run(
                sample.input if input is None else input,
                name=name or f"{self.workflow}-{sample.name}-{next(_names)}"[:80],
                state_machine=sample.state_machine,
                faults=all_faults,
                mock_config=retry_tolerant(sample.mock_config),
                test_case=sample.test_case,
                bedrock=self.bedrock_script(sample, all_faults),
                on_task_token=sample.token_answerer(),
                timeout=RUN_TIMEOUT,
            )
        except RunTimeout as timeout:
            return Observation(scenario, None, f"TIMEOUT ({timeout})", [str(timeout)], context)
        observation = Observation(scenario, result, self.summarize(result), context=context)
        observation.problems = self.invariants(observation)
        return observation

    def fresh(self, sample: Sample, history: bool = True) -> dict[str, Any]:
        """Reset the world and seed `sample`; returns the context the invariants compare against."""
        self.reset()
        self.drain_captures()
        return self.prepare(sample, history)

    def refuse(self, sample: Sample, input: Any) -> tuple[Observation, dict[str, Any], dict[str, Any]]:
        """Run `input` against the seeded sample world: (observation, snapshot before, after)."""
        context = self.fresh(sample, history=False)
        before = self.snapshot()
        observation = self.execute(Scenario(sample), input=input, context=context)
        return observation, before, self.snapshot()

    def baseline(self, scenario: Scenario) -> Observation:
        """The scenario without the cell's fault (cached for the harness's lifetime)."""
        key = (scenario.sample.name, scenario.route)
        if key not in self._baselines:
            observation = self.execute(scenario)
            if not scenario.route and observation.result is not None:
                observation.problems += [
                    f"the sample's own expectation: {problem}"
                    for problem in scenario.sample.mismatches(observation.result)
                ]
            self._baselines[key] = observation
        return self._baselines[key]

    # ---- choosing a scenario for a cell --------------------------------------------------------------

    def samples_for(self, machine: Machine) -> list[Sample]:
        """The machine's samples, its happy path first."""
        happy = self.policy.happy_paths
        key = next((k for k in happy if k is not None and _same_machine(k, machine)), None)
        happy_name = happy.get(key) if key else happy.get(None)
        own = [s for s in self.samples.values() if self._targets(s, machine)]
        return sorted(own, key=lambda s: (s.name != happy_name, s.name))

    def _targets(self, sample: Sample, machine: Machine) -> bool:
        if sample.state_machine is None:
            return len(self.machines) == 1
        return _same_machine(sample.state_machine, machine)

    def scenarios(self, machine: Machine, path: Path) -> Iterator[Scenario]:
        """Scenarios likely to reach `path`, cheapest first: samples whose unfaulted run entered it;
        samples whose route is unknown (Distributed Map children's service states); then a sample
        plus a permanent failure of a state it entered from which `path` is statically reachable."""
        target = path[-1]
        samples = self.samples_for(machine)
        for sample in samples:
            if target in self.baseline(Scenario(sample)).reached:
                yield Scenario(sample)
        # States of Distributed Map children that invoke no Lambda leave no trace in the parent's
        # history: try every sample that entered the enclosing map (the fault tells if it fired).
        for sample in samples:
            reached = self.baseline(Scenario(sample)).reached
            if target not in reached and path[0] in reached:
                yield Scenario(sample)
        graph = machine.graph
        for sample in samples:
            base = self.baseline(Scenario(sample))
            if base.result is None:
                continue
            for name in dict.fromkeys(base.result.states):
                for source in _paths_named(machine, name):
                    ref = machine.states[source]
                    if ref.type != "Task" or source == path:
                        continue
                    for errors, start in graph.failure_routes(source):
                        if path in graph.reachable({start}):
                            yield Scenario(
                                sample, (Fault(state=name, error=_route_error(errors, ref), times=None),)
                            )

    # ---- judging a cell ------------------------------------------------------------------------------

    def run_cell(self, cell: Cell) -> Verdict:
        fault = Fault(
            state=cell.state,
            error=cell.error,
            times=None if cell.kind == PERMANENT else 1,
            ambiguous=cell.kind == AMBIGUOUS,
            in_handler=cell.kind == RAISED,
        )
        tried: list[str] = []
        for scenario in self.scenarios(cell.machine, cell.path):
            base = self.baseline(scenario)
            if base.result is None or base.problems:
                tried.append(f"{scenario.label}: unusable baseline ({base.summary}; {base.problems})")
                continue
            observation = self.execute(scenario, [fault])
            if observation.result is None or not observation.result.faults_fired.get(fault):
                tried.append(f"{scenario.label}: {cell.state} not reached")
                continue
            verdict = self.judge(cell, observation, base)
            extra = _raised_problems(cell, observation) if cell.kind == RAISED else []
            if cell.kind == PERMANENT:
                extra = _spec_problems(cell, observation)
            if not extra:
                return verdict
            return Verdict("UNHANDLED", verdict.outcome, verdict.scenario, (*verdict.problems, *extra))
        return Verdict("UNHANDLED", "not reached", "-", (f"no scenario reaches {cell.location}", *tried))

    def judge(self, cell: Cell, observation: Observation, baseline: Observation) -> Verdict:
        result = observation.result
        assert result is not None
        problems = list(observation.problems)
        label = observation.scenario.label
        outcome = observation.summary
        escaped = _escaped(cell.machine, result)
        if escaped:
            problems.append(escaped)
        if cell.kind != PERMANENT:  # transient or ambiguous: retried, and the run ends as without it
            if observation.summary != baseline.summary:
                problems.append(f"ended {observation.summary!r}, unfaulted {baseline.summary!r}")
            retried = baseline.result is not None and result.retries > baseline.result.retries
            reconciled = cell.kind == AMBIGUOUS and _entered_more(cell, result, baseline.result)
            if not retried and not reconciled and not _retries(cell):
                problems.append(f"{cell.error} was not retried")
            outcome = f"{outcome} ({'reconciled' if reconciled else 'retried'})" if not problems else outcome
            return Verdict("happy" if not problems else "UNHANDLED", outcome, label, tuple(problems))

        tolerated = TOLERATED.get(f"{cell.workflow}/{cell.location}")
        if tolerated and not escaped and not observation.problems:
            return Verdict("tolerated", f"{outcome} - {tolerated}", label)
        route = designed_route(cell.machine, cell.path)
        if not escaped and route.ends and route.continues is None and (result.states[-1],) not in route.ends:
            ends = ", ".join("/".join(end) for end in route.ends)
            problems.append(f"ended in {result.states[-1]}, not where the documented route ends ({ends})")
        if result.status == "FAILED" and not escaped:
            fail = cell.machine.definition["States"][result.states[-1]]
            if "Error" not in fail and not self.policy.reraises_after_compensation:
                problems.append(f"{result.states[-1]} re-raises {result.error} instead of naming the failure")
        elif result.status == "SUCCEEDED":
            reason = self.degraded(observation, baseline)
            if reason is None:
                gap = LOCALRUN_GAPS.get(f"{cell.workflow}/{cell.location}:{cell.kind}")
                if gap and not problems:
                    return Verdict("localrun-gap", f"{outcome} - {gap}", label)
                problems.append("succeeded although the step failed permanently (not a designed outcome)")
            else:
                outcome = f"{outcome} ({reason})"
        elif not escaped:
            problems.append(f"ended {result.status}")
        if not problems and f"{cell.workflow}/{cell.location}:{cell.kind}" in LOCALRUN_GAPS:
            problems.append("stale LOCALRUN_GAPS entry: the cell is judged designed without it")
        return Verdict("designed" if not problems else "UNHANDLED", outcome, label, tuple(problems))

    # ---- whole-world snapshot (bad input, duplicates) -----------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Every table, bucket, queue, vector index (and the organization's accounts) as plain data."""
        state: dict[str, Any] = {}
        client = self.runner.client
        for resource in self.runner.resources.values():
            if not resource.provisioned:
                continue
            if resource.type in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"):
                items = client("dynamodb").scan(TableName=resource.name, ConsistentRead=True)["Items"]
                state[resource.logical_id] = sorted(json.dumps(item, sort_keys=True) for item in items)
            elif resource.type == "AWS::S3::Bucket":
                listing = client("s3").list_object_versions(Bucket=resource.name)
                state[resource.logical_id] = sorted(
                    (entry["Key"], entry.get("ETag", "delete-marker"))
                    for entry in listing.get("Versions", []) + listing.get("DeleteMarkers", [])
                )
            elif resource.type == "AWS::SQS::Queue":
                state[resource.logical_id] = _queue_depth(client("sqs"), resource.ref)
            elif resource.type == "AWS::S3Vectors::Index":
                arn = resource.attributes.get("IndexArn", resource.ref)
                vectors = client("s3vectors").list_vectors(indexArn=arn)["vectors"]
                state[resource.logical_id] = sorted(vector["key"] for vector in vectors)
        for index, url in enumerate(self._captures):
            state[f"capture-{index}"] = _queue_depth(client("sqs"), url)
        return state


def retry_tolerant(mock_config: Any) -> Any:
    """The sample's MockConfigFile with each mocked response's last answer repeated for further
    attempts: when a fault makes a mocked state retry, the service would answer again as it did."""
    if mock_config is None:
        return None
    config = json.loads(mock_config.read_text()) if hasattr(mock_config, "read_text") else dict(mock_config)
    responses = {}
    for name, attempts in config.get("MockedResponses", {}).items():
        ordered = sorted(attempts.items(), key=lambda item: int(str(item[0]).split("-")[0]))
        *earlier, (last_key, last_body) = ordered
        first, _, end = str(last_key).partition("-")
        responses[name] = {**dict(earlier), f"{first}-{int(end or first) + MOCK_REPEATS}": last_body}
    return {**config, "MockedResponses": responses}


MOCK_REPEATS = 25


def _route_error(errors: Sequence[str], ref: Any) -> str:
    """An error a catcher with `errors` catches: its first named one, else the permanent error."""
    named = [error for error in errors if not error.startswith("States.")]
    if named:
        return named[0]
    if CATCH_ALL & set(errors):
        return permanent_error(str(ref.state.get("Resource", "")))
    return errors[0]


def _raised_problems(cell: Cell, observation: Observation) -> list[str]:
    """A `raised` cell's handler failure must reach Step Functions under the declared name."""
    assert observation.result is not None
    seen = [i.error_type for i in observation.result.invocations if i.state == cell.state and i.error_type]
    if cell.error in seen:
        return []
    return [f"the handler's {cell.error} reached Step Functions as {seen or 'nothing'}, not {cell.error}"]


def _spec_problems(cell: Cell, observation: Observation) -> list[str]:
    """How a permanent cell's run differs from its declaration in `spec.py` (none: as declared)."""
    result = observation.result
    assert result is not None
    spec = designed(cell.workflow, cell.machine.short_name, cell.location)
    if spec is None:
        return [
            f"no designed outcome declared for {cell.workflow} {cell.machine.short_name} {cell.location}: "
            "add it to tests/resilience/spec.py"
        ]
    if spec.error == CAUGHT_ERROR:  # any error but the step's own (the one that started the path)
        error = result.error if result.error != cell.error else f"an error other than {cell.error}"
    else:
        error = cell.error if spec.error == STEP_ERROR else spec.error
    last = result.states[-1] if result.states else None
    problems = []
    if (result.status, last) != (spec.status, spec.end) or (
        spec.status == "FAILED" and result.error != error
    ):
        problems.append(f"ended {result.status} {result.error or ''} in {last}, declared {spec.describe()}")
    missed = [state for state in spec.visits if state not in observation.reached]
    if missed:
        problems.append(f"never entered {', '.join(missed)} (declared {spec.describe()})")
    return problems


def _retries(cell: Cell) -> bool:
    """Whether the state's own Retry covers the cell's error. A run may not show the retry when a
    sibling Map iteration or Parallel branch ends the container first (as on AWS)."""
    for retrier in cell.machine.states[cell.path].state.get("Retry", []):
        if cell.error in retrier["ErrorEquals"] or "States.ALL" in retrier["ErrorEquals"]:
            return bool(retrier.get("MaxAttempts", 3) > 0)  # the first matching retrier decides
    return False


def _queue_depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _status(result: RunResult) -> str:
    return result.status if result.status == "SUCCEEDED" else f"{result.status} {result.error}"


def _same_machine(name: str, machine: Machine) -> bool:
    path = machine.construct_path.removesuffix("/Resource").removesuffix("/StateMachine")
    return name in (machine.logical_id, machine.construct_path, path)


def _paths_named(machine: Machine, name: str) -> list[Path]:
    return [path for path in machine.states if path[-1] == name]


def _entered_more(cell: Cell, result: RunResult, baseline: RunResult | None) -> bool:
    """Whether the run entered the cell's reconciling state (`RECONCILED`) more than the baseline."""
    entry = RECONCILED.get(f"{cell.workflow}/{cell.location}")
    if entry is None:
        return False
    before = baseline.states.count(entry[0]) if baseline is not None else 0
    return result.states.count(entry[0]) > before


def _escaped(machine: Machine, result: RunResult) -> str | None:
    """Why the run's end is not a designed end (None if it is one)."""
    if result.status in ("TIMED_OUT", "ABORTED"):
        return f"execution {result.status}"
    if result.status != "FAILED":
        return None
    if result.error in UNHANDLED_ERRORS:
        return f"ended with {result.error}"
    last = result.states[-1] if result.states else None
    top = machine.definition["States"].get(last or "", {})
    if top.get("Type") != "Fail":
        return f"{result.error} escaped from {last} (no Fail state reached)"
    return None
