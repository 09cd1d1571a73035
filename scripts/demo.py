"""`make demo`: synthesize every stack of an environment into cdk.out/, then run every sample.

The synthesis here skips Lambda bundling (layers are built by `make synth`/`make deploy`), so the
demo needs no network; the samples then run through `localrun` against the synthesized templates.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App

from localrun import cli as localrun_cli
from stacks.application import build, project_context
from stacks.config import ConfigError

OUTDIR = Path("cdk.out")


def synthesize(env_name: str) -> list[tuple[str, int]]:
    """Synthesize the environment's app and count the resources of each stack."""
    context = {**project_context(), "env": env_name, "aws:cdk:bundling-stacks": []}
    app = App(context=context, outdir=str(OUTDIR))
    build(app, env_name)
    assembly = app.synth()
    return [(stack.stack_name, len(stack.template.get("Resources", {}))) for stack in assembly.stacks]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes: 0 every sample as expected, 1 a sample was not, 2 a configuration error",
    )
    parser.add_argument("--env", default="dev", help="environment from cdk.json (default: dev)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(f"synthesizing the {args.env} stacks into {OUTDIR}/ ...", flush=True)
    try:
        summary = synthesize(args.env)
    except ConfigError as error:
        print(f"stepwise config error: {error}", file=sys.stderr)
        return 2
    if not summary:
        print(f"{args.env}: no workflow stacks are registered yet")
    for name, resources in summary:
        print(f"{name:<32} {resources:>4} resources")
    print(f"synthesized {len(summary)} stacks into {OUTDIR}/ in {time.perf_counter() - started:.1f}s\n")
    print("running every sample under examples/ (one row as each finishes):", flush=True)
    return localrun_cli.main(["demo", "--env", args.env])


if __name__ == "__main__":
    sys.exit(main())
