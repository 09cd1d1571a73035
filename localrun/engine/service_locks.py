"""Serialize requests to the moto services whose AWS counterparts are atomic per request.

moto's backends are plain Python objects without locks (moto does not support concurrent access:
https://github.com/getmoto/moto/issues/7164, documented in https://github.com/getmoto/moto/pull/7166).
Local executions run on many threads (concurrent executions, Parallel branches, Map iterations),
so two requests could interleave inside a backend:

- DynamoDB evaluates a `ConditionExpression` and applies the write as one atomic operation, and
  `TransactWriteItems` applies all of its actions or none ("Condition expressions", "Amazon
  DynamoDB Transactions: How it works", DynamoDB Developer Guide). In moto the check and the write
  are separate Python steps: two concurrent `attribute_not_exists` puts of one key could both
  succeed.
- Step Functions `StartExecution` is idempotent for Standard workflows: a second call with the
  name and input of a running execution returns that execution, any other reuse of the name fails
  with ExecutionAlreadyExists (StartExecution, AWS Step Functions API Reference). moto checks the
  name and then creates the execution: two concurrent calls both started one, and the second
  found the first half-made (its status not set yet).
- S3 Vectors `QueryVectors` must see a consistent index: moto's `PutVectors` changes the index's
  dict while the (emulated) query iterates it ("dictionary changed size during iteration").

Each request to DynamoDB and S3 Vectors runs under one lock per service, from parsing to the
serialized response, and StartExecution's check-and-create under another, so every request sees
and leaves a consistent backend. Requests to other services, and
requests to these services from different threads, still run concurrently around them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.core.responses import BaseResponse
from moto.dynamodb.responses import DynamoHandler
from moto.s3vectors.responses import S3VectorsResponse
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/engine/test_service_locks.py"

SERIALIZED_SERVICES: dict[type[BaseResponse], threading.RLock] = {
    DynamoHandler: threading.RLock(),
    S3VectorsResponse: threading.RLock(),
}
_start_lock = threading.RLock()


def install() -> None:
    for response_class, lock in SERIALIZED_SERVICES.items():
        replace(response_class, "call_action", lambda original, lock=lock: _serialized(original, lock))
    replace(
        StepFunctionsParserBackend, "start_execution", lambda original: _serialized(original, _start_lock)
    )


def _serialized(original: Callable[..., Any], lock: threading.RLock) -> Callable[..., Any]:
    def serialized(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    return serialized
