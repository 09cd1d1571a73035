"""Read the CloudWatch Embedded Metric Format blobs Powertools prints when a handler returns."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class EmittedMetric:
    """One metric value of one EMF blob: its namespace, name, value and dimensions."""

    namespace: str
    name: str
    value: float
    dimensions: dict[str, str]


def emitted_metrics(output: str) -> list[EmittedMetric]:
    """Every metric in the EMF lines of `output` (captured stdout), in order."""
    found = []
    for text in output.splitlines():
        try:
            blob = json.loads(text)
        except ValueError:
            continue
        if not isinstance(blob, dict) or "_aws" not in blob:
            continue
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            names = {name for dimension_set in directive["Dimensions"] for name in dimension_set}
            dimensions = {name: blob[name] for name in sorted(names)}
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                for item in value if isinstance(value, list) else [value]:
                    found.append(EmittedMetric(directive["Namespace"], metric["Name"], item, dimensions))
    return found
