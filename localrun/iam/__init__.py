"""IAM enforced locally: the synthesized template's policies authorize every call a handler or a
state machine makes (see `enforcement.py` for how, `README.md` for what is and is not evaluated)."""

from localrun.iam.enforcement import Denial
from localrun.iam.policy import Decision, Principal, Request, Statement, evaluate, parse_statements
from localrun.iam.principals import PolicySet, build

__all__ = [
    "Decision",
    "Denial",
    "PolicySet",
    "Principal",
    "Request",
    "Statement",
    "build",
    "evaluate",
    "parse_statements",
]
