"""The exit codes every operator script and CLI of Stepwise uses (README, "Operating")."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # the run or operation failed, or did not end as expected
EXIT_USAGE = 2  # a bad argument, input file or configuration (stack not deployed, unknown environment)

EXIT_CODES = "exit codes: 0 ok, 1 the run or operation failed, 2 usage, input or configuration error"
