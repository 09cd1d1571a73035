"""The baseline for synth time: a CDK app of one stack with one bucket (CDK's own start-up cost)."""

from __future__ import annotations

import argparse
import sys

from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m bench.minimal_app",
        description=__doc__.splitlines()[0],
        epilog="exit codes: 0 synthesized, 2 a usage error",
    ).parse_args(argv)
    app = App()
    stack = Stack(app, "StepwiseBenchMinimal")
    s3.Bucket(stack, "Bucket")
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
