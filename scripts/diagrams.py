"""Regenerate the Mermaid diagrams of docs/<workflow>.md and README.md from the synthesized dev stacks.

    python -m scripts.diagrams           # print every generated section
    python -m scripts.diagrams --write   # rewrite them between the diagram markers (`make docs`)
    python -m scripts.diagrams --check   # exit 1 if any file is stale

Exit codes: 0 ok, 1 a file is stale (--check), 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from localrun.template import prepare_cdk_environment

prepare_cdk_environment()

from localrun.diagram import (  # noqa: E402  (after the CDK environment is prepared)
    README,
    WRITE_COMMAND,
    current_section,
    doc_path,
    render_readme,
    render_section,
    replace_section,
)
from localrun.graph import StateGraph, graphs_of  # noqa: E402
from localrun.template import synthesize, workflow_keys, workflow_stack  # noqa: E402

GraphSource = Callable[[str], list[StateGraph]]


def dev_graphs(workflow: str) -> list[StateGraph]:
    """The state graphs of `workflow`'s synthesized dev stack."""
    return graphs_of(synthesize(workflow_stack(workflow, "dev")))


def expected_sections(source: GraphSource = dev_graphs) -> dict[Path, str]:
    """Every file with a generated diagram section, and what that section must hold."""
    sections: dict[Path, str] = {}
    for workflow in workflow_keys():
        graphs = source(workflow)
        sections[doc_path(workflow)] = render_section(workflow, graphs)
        if workflow == "orders":
            sections[README] = render_readme(graphs)
    return sections


def stale_files(sections: dict[Path, str]) -> list[Path]:
    return [path for path, body in sections.items() if current_section(path.read_text()) != body]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.diagrams",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="rewrite the generated sections in place")
    group.add_argument("--check", action="store_true", help="exit 1 if a generated section is stale")
    args = parser.parse_args(argv)
    try:
        sections = expected_sections()
        if args.write:
            for path, body in sections.items():
                path.write_text(replace_section(path.read_text(), body, where=str(path)))
                print(f"wrote the diagram section of {path.relative_to(README.parent)}")
            return 0
        if args.check:
            stale = stale_files(sections)
            for path in stale:
                print(f"{path.relative_to(README.parent)}: diagrams are stale; run {WRITE_COMMAND}")
            return 1 if stale else 0
    except (KeyError, ValueError) as error:
        print(f"scripts.diagrams: {error}", file=sys.stderr)
        return 2
    for path, body in sections.items():
        print(f"==> {path.relative_to(README.parent)}\n{body}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
