"""Fixes for moto bugs that make valid workflows fail locally: one module per fix, each with its reason."""

from __future__ import annotations

from localrun.engine.fixes import (
    dynamodb_named_failures,
    finished_threads,
    list_objects_pages,
    send_task_failure_cause,
    stack_instance_parameters,
    states_error_names,
    terminal_states,
    tolerated_count_jsonata,
    tolerated_failures,
)


def install() -> None:
    finished_threads.install()
    states_error_names.install()
    list_objects_pages.install()
    terminal_states.install()
    tolerated_failures.install()
    tolerated_count_jsonata.install()
    dynamodb_named_failures.install()
    send_task_failure_cause.install()
    stack_instance_parameters.install()
