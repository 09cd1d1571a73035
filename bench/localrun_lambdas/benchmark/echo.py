"""Benchmark task: echo the input with the function's greeting, or fail on request."""

from __future__ import annotations

import os
from typing import Any

from shared.errors import TransientError
from shared.task import task_handler


@task_handler
def handler(data: dict[str, Any], context: Any) -> dict[str, Any]:
    if data.get("fail"):
        raise TransientError(str(data["fail"]))
    return {"greeting": os.environ["GREETING"], "name": data.get("name"), "function": context.function_name}
