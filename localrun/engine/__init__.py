"""localrun's overrides of moto internals (moto pinned to 5.2.5), installed once per process.

Each override falls through to moto's own behaviour for executions and functions that localrun
did not start or register, so plain moto tests in the same process keep working.
"""

from __future__ import annotations

import logging
import threading

from localrun.engine.overrides import Override, check_moto_version, installed

_installed = False
_lock = threading.Lock()


def install() -> list[Override]:
    """Install every override (idempotent) and return them."""
    global _installed
    # Imported here, not at the top: `localrun.engine.compat` is imported while localrun loads.
    from localrun import isolation
    from localrun.engine import (
        api_limits,
        definition_validation,
        describe_execution,
        dynamodb_names,
        emulated_apis,
        execution,
        express,
        fixes,
        history_details,
        integrations,
        json_path,
        jsonata_errors,
        lambda_backend,
        lambda_results,
        parallel_abort,
        redrive,
        response_metadata,
        result_writer,
        s3_objects,
        service_locks,
        sqs_messages,
        terminal_errors,
        timekeeping,
        variables,
    )
    from localrun.engine.speed import performance

    with _lock:
        if not _installed:
            check_moto_version()
            # moto logs every failed state at ERROR; keep it out of stderr unless logging is set up.
            logging.getLogger("moto.stepfunctions.parser").addHandler(logging.NullHandler())
            # ...and every resource type moto's CloudFormation skips in StackSet instances.
            logging.getLogger("moto.cloudformation.parsing").addHandler(logging.NullHandler())
            isolation.install()
            lambda_backend.install()
            lambda_results.install()
            timekeeping.install()
            execution.install()
            integrations.install()
            json_path.install()
            jsonata_errors.install()
            emulated_apis.install()
            performance.install()
            fixes.install()
            result_writer.install()
            api_limits.install()
            variables.install()
            service_locks.install()
            terminal_errors.install()
            s3_objects.install()
            sqs_messages.install()
            response_metadata.install()
            dynamodb_names.install()
            parallel_abort.install()
            definition_validation.install()
            express.install()
            describe_execution.install()
            history_details.install()
            redrive.install()
            from localrun.iam import enforcement  # imported here: it builds on the engine

            enforcement.install()  # a pass-through until a runner registers its policies
            _installed = True
    isolation.ensure_streams()  # a test harness may have swapped sys.stdout/stderr since
    return installed()
