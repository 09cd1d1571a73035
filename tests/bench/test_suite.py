"""bench/suite.py: reading pytest's --durations and summary lines."""

from __future__ import annotations

from bench import suite

OUTPUT = """\
........................................................................ [100%]
============================= slowest 5 durations ==============================
12.31s call     tests/resilience/test_fault_matrix.py::test_cell[rag-Embed]
3.02s setup    tests/stacks/test_snapshots.py::test_snapshot[dev-cv]
0.50s call     tests/bench/test_cost.py::test_x
1097 passed in 115.20s (0:01:55)
"""


def test_durations_are_read_slowest_first() -> None:
    rows = suite.parse_durations(OUTPUT)
    assert [row["seconds"] for row in rows] == [12.31, 3.02, 0.50]
    assert rows[1] == {
        "seconds": 3.02,
        "phase": "setup",
        "test": "tests/stacks/test_snapshots.py::test_snapshot[dev-cv]",
    }


def test_the_summary_line_is_found() -> None:
    assert suite.parse_summary(OUTPUT) == "1097 passed"
    assert suite.parse_summary("= 2 failed, 1095 passed in 100.00s =") == "2 failed, 1095 passed"
    assert suite.parse_summary("nothing") == "no pytest summary found"
