#!/usr/bin/env python3
"""CDK entry point: `cdk synth -c env=<dev|staging|prod>` builds that environment's stacks."""

import sys

from aws_cdk import App

from stacks.application import build
from stacks.config import ConfigError


def main() -> None:
    app = App()
    try:
        build(app)
    except ConfigError as error:
        sys.exit(f"stepwise config error: {error}")
    app.synth()


if __name__ == "__main__":
    main()
