"""Operator tools for tenant accounts: mark for retirement, retire one tenant, sweep the marked ones.

Retirement is a plain, re-runnable script (not a state machine): it runs on a schedule or by hand,
prints its plan, and acts only with `--yes`.
"""
