"""Rule FAIL-OUTCOME: every Fail state ends the execution in a designed way, paging or not on purpose.

A failed execution pages on-call through the machine's failed-executions alarm unless its error is
one of the machine's business outcomes: the `expected_errors` that `ObservableStateMachine` writes
into the `UnexpectedFailures` metric filter as `$.details.error != "<error>"` terms. A Fail state
whose error is missing from that list pages on every designed refusal, and nothing says so: forget
to add a new refusal to `BUSINESS_OUTCOMES` and on-call is woken for a customer's typo.

So every Fail state's error must be a business outcome read from the synthesized template, or the
state must be listed, with a reason, as paging by design. A Fail state that takes its error from
`ErrorPath` is listed either way: with the business outcomes routed to it, or as paging.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tests.support.asl import StateRef, iter_states

_EXPECTED_TERM = re.compile(r'\$\.details\.error\s*!=\s*"([^"]+)"')
_FAILED_TERM = re.compile(r'\$\.type\s*=\s*"ExecutionFailed"')


@dataclass(frozen=True)
class Finding:
    where: str
    error: str
    message: str

    def __str__(self) -> str:
        return f"FAIL-OUTCOME {self.where}: {self.error} {self.message}"


def business_outcomes(template: Mapping[str, Any], machine_id: str) -> frozenset[str]:
    """The errors the machine's failed-executions metric leaves out (none: every failure pages)."""
    resources = template["Resources"]
    logging = resources[machine_id].get("Properties", {}).get("LoggingConfiguration", {})
    log_groups = {
        destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
        for destination in logging.get("Destinations", [])
    }
    outcomes: set[str] = set()
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if resource.get("Type") != "AWS::Logs::MetricFilter":
            continue
        if properties.get("LogGroupName", {}).get("Ref") not in log_groups:
            continue
        pattern = str(properties.get("FilterPattern", ""))
        if _FAILED_TERM.search(pattern):
            outcomes.update(_EXPECTED_TERM.findall(pattern))
    return frozenset(outcomes)


def fail_states(definition: Mapping[str, Any]) -> Iterator[StateRef]:
    return (ref for ref in iter_states(definition) if ref.type == "Fail")


def unplanned_failures(
    machine_key: str,
    definition: Mapping[str, Any],
    outcomes: frozenset[str],
    paging: Mapping[str, str],
    routed: Mapping[str, tuple[str, ...]],
) -> list[Finding]:
    """Every Fail state of one machine whose end is neither a business outcome nor paging by design.

    `paging` and `routed` are keyed `<workflow>/<machine>/<state path>` (`machine_key` is the prefix).
    """
    findings = []
    for ref in fail_states(definition):
        where = f"{machine_key}/{ref.location}"
        error = ref.state.get("Error")
        shown = str(error or ref.state.get("ErrorPath"))
        if where in paging and where in routed:
            findings.append(Finding(where, shown, "is listed both as paging and as routed outcomes"))
        elif where in paging:
            if error in outcomes:
                findings.append(Finding(where, shown, "is a business outcome, yet listed as paging"))
        elif where in routed:
            if error is not None:
                findings.append(Finding(where, shown, "has a fixed Error: routed outcomes are for ErrorPath"))
            for name in sorted(set(routed[where]) - outcomes):
                findings.append(Finding(where, name, "is routed here but is no business outcome: it pages"))
        elif error is None:
            findings.append(
                Finding(
                    where, shown, "takes its error at run time: list it as paging or with its routed outcomes"
                )
            )
        elif error not in outcomes:
            findings.append(
                Finding(
                    where,
                    shown,
                    "is no business outcome of this machine (it pages) and is not listed as paging",
                )
            )
    return findings
