"""`make bench`: what a run costs, how fast synth and tests are, how heavy each Lambda is.

`python -m bench` measures and prints every figure with its target, writes them to
`bench/results.json` and regenerates the tables of `BENCHMARKS.md`. Nothing here is asserted by the
test suite: timings depend on the machine.
"""
