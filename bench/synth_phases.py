"""Where the app's synth time goes: `python -m bench.synth_phases --env dev --outdir DIR` prints JSON.

Phases, in one fresh interpreter as `app.py` runs them: importing aws_cdk, importing the project's
stacks, building the constructs (each call crosses to the jsii Node process), and `app.synth()`
(cdk-nag, template writing and, unless turned off, CDK's built-in CloudFormation validation).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What `cdk synth` passes to the app, so the assembly written matches the CLI's (asset metadata).
CLI_CONTEXT = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.synth_phases",
        description=__doc__.splitlines()[0],
        epilog="exit codes: 0 measured, 2 a usage error",
    )
    parser.add_argument("--env", default="dev", help="environment whose app is synthesized (default dev)")
    parser.add_argument("--outdir", required=True, help="directory the cloud assembly is written to")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    phases: dict[str, float] = {}
    started = time.perf_counter()
    from aws_cdk import App

    phases["import aws_cdk"] = time.perf_counter() - started
    started = time.perf_counter()
    from stacks.application import build

    phases["import stacks"] = time.perf_counter() - started
    started = time.perf_counter()
    app = App(outdir=args.outdir, context={"env": args.env, **CLI_CONTEXT})
    build(app)
    phases["build constructs"] = time.perf_counter() - started
    started = time.perf_counter()
    app.synth()
    phases["app.synth()"] = time.perf_counter() - started
    print(json.dumps({name: round(seconds, 3) for name, seconds in phases.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
