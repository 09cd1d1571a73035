"""Finished interpreter threads are let go: moto's `TMP_THREADS` kept every one, so a long run ran out.

moto's Step Functions interpreter appends every thread it starts (one per execution, state with a
timeout, Map iteration, Parallel branch and callback wait) to the module list `TMP_THREADS` and never
removes one. On Python 3.13 a thread's stack is released only when its `Thread` object is joined
or freed, so every finished thread kept an 8 MiB stack mapping and a guard page: after ~32,000
threads a process reached the kernel's `vm.max_map_count` (65,530) and every further start failed
with `RuntimeError: can't start new thread` (a test session running the fault matrix, or a corpus-
scale Distributed Map). Nothing reads the list; here it keeps only threads still running.

Upstream: no moto issue found (the list comes from LocalStack's interpreter, which clears it at
shutdown).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from types import ModuleType

from moto.stepfunctions.parser import utils
from moto.stepfunctions.parser.asl.component.program import program
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
    inline_iteration_component,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branch_worker
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback,
)
from moto.stepfunctions.parser.asl.component.test_state.program import test_state_program
from moto.stepfunctions.parser.backend import execution_worker

from localrun.engine.overrides import replace

OVERRIDE_KIND = "fix"
OVERRIDE_TEST = "tests/localrun/engine/fixes/test_finished_threads.py"

# Every module that imported moto's list by name (moto 5.2.5), the defining one first.
HOLDERS: tuple[ModuleType, ...] = (
    utils,
    program,
    test_state_program,
    execute_state,
    inline_iteration_component,
    branch_worker,
    state_task_service_callback,
    execution_worker,
)


class RunningThreads(list[threading.Thread]):
    """A list of threads that drops the finished ones whenever one is added."""

    def __init__(self, threads: Iterable[threading.Thread] = ()) -> None:
        super().__init__(thread for thread in threads if thread.is_alive())
        self._lock = threading.Lock()

    def append(self, thread: threading.Thread) -> None:
        with self._lock:
            self[:] = [running for running in self if running.is_alive()]
            super().append(thread)


def install() -> None:
    running = RunningThreads(utils.TMP_THREADS)
    for holder in HOLDERS:
        replace(holder, "TMP_THREADS", lambda original: running)
