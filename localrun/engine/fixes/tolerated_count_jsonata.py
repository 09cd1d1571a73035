"""A JSONata `ToleratedFailureCount` is the count it is, not a `ToleratedFailurePercentage`.

moto's preprocessor built a percentage from it, so a Map giving both was refused as "Redefinition
of type".

Upstream: no moto issue found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_map.tolerated_failure import (
    ToleratedFailureCountStringJSONata,
)
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

from localrun.engine.overrides import replace

OVERRIDE_KIND = "fix"
OVERRIDE_TEST = "tests/localrun/engine/test_item_batcher.py"


def install() -> None:
    replace(Preprocessor, "visitTolerated_failure_count_string_jsonata", _build_tolerated_count_jsonata)


def _build_tolerated_count_jsonata(original: Callable[..., Any]) -> Callable[..., Any]:
    def visit(self: Preprocessor, ctx: Any) -> ToleratedFailureCountStringJSONata:
        return ToleratedFailureCountStringJSONata(
            string_jsonata=self.visitString_jsonata(ctx=ctx.string_jsonata())
        )

    return visit
