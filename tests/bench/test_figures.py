"""bench/figures.py: targets, verdicts and the round trip through results.json."""

from __future__ import annotations

import pytest

from bench.figures import Figure, Target, format_number


def test_a_target_is_met_or_missed() -> None:
    at_most = Target("<=", 25)
    assert at_most.met_by(20) and at_most.met_by(25) and not at_most.met_by(26)
    at_least = Target(">=", 3)
    assert at_least.met_by(3.5) and not at_least.met_by(0.3)


def test_an_unknown_comparison_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown comparison"):
        Target("<", 1)


def test_the_console_line_shows_the_target_beside_the_value() -> None:
    figure = Figure("cost", "orders: transitions", 20, "transitions", Target("<=", 25), note="3-item order")
    assert (
        figure.line() == "orders: transitions: 20 transitions  (target ≤ 25 transitions: met)  [3-item order]"
    )
    missed = Figure("cost", "rag", 2.96, "$", Target("<=", 2))
    assert missed.met is False and "MISSED" in missed.line()
    assert Figure("x", "no target", 1.5, "s").met is None


def test_figures_round_trip_through_json() -> None:
    figure = Figure("synth", "ratio", 1.73, "x", Target("<=", 1.5), note="median of 3")
    assert Figure.from_dict(figure.to_dict()) == figure
    assert figure.to_dict()["met"] is False


@pytest.mark.parametrize(
    ("value", "text"), [(20, "20"), (1500.0, "1,500"), (2.964, "2.96"), (0.0163, "0.0163"), (123.4, "123")]
)
def test_numbers_are_readable(value: float, text: str) -> None:
    assert format_number(value) == text
