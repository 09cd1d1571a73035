"""The benchmark workflow's task handler (bench/localrun_stack.py)."""
