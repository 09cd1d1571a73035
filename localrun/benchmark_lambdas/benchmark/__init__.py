"""The benchmark workflow's task handler (localrun/benchmark_stack.py)."""
