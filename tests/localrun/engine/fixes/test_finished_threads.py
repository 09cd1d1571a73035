"""Finished interpreter threads are not kept (`fixes/finished_threads.py`)."""

from __future__ import annotations

import threading

from localrun import LocalRunner
from localrun.engine.fixes.finished_threads import HOLDERS, RunningThreads
from tests.localrun.asl_stacks import asl_template

ITEMS = 12
RUNS = 4

MAP = {
    "StartAt": "EachItem",
    "States": {
        "EachItem": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 1,
            "ItemProcessor": {
                "StartAt": "Timed",
                "States": {"Timed": {"Type": "Pass", "End": True}},
            },
            "TimeoutSeconds": 30,
            "End": True,
        }
    },
}


def test_every_module_of_moto_shares_one_list_of_running_threads() -> None:
    with LocalRunner(asl_template("Threads", MAP)):
        lists = {id(holder.TMP_THREADS) for holder in HOLDERS}
        assert len(lists) == 1
        assert isinstance(HOLDERS[0].TMP_THREADS, RunningThreads)


def test_runs_leave_no_finished_thread_behind_beyond_the_last_few() -> None:
    with LocalRunner(asl_template("Threads", MAP)) as runner:
        results = [runner.run({"items": list(range(ITEMS))}) for _ in range(RUNS)]
        held = list(HOLDERS[0].TMP_THREADS)

    assert [result.status for result in results] == ["SUCCEEDED"] * RUNS
    # Each run starts at least one thread per item: moto's list would hold them all.
    assert len(held) < ITEMS


def test_adding_a_thread_drops_the_finished_ones_and_keeps_the_running() -> None:
    release = threading.Event()
    finished = threading.Thread(target=lambda: None)
    running = threading.Thread(target=release.wait)
    finished.start()
    finished.join()
    running.start()
    try:
        threads = RunningThreads([finished, running])
        assert threads == [running]
        threads.append(finished)
        threads.append(threading.Thread(target=lambda: None))
        assert finished not in threads and running in threads
    finally:
        release.set()
        running.join()
