"""How heavy each Lambda handler is: zipped code, zipped layers, and cold import time.

Reads the templates and assets `cdk synth` wrote (the synth section leaves them in `cdk.out`). Sizes
are of the assets as deployed, zipped with deflate. Import time is `python -X importtime` of the
handler module from its code asset, in a fresh interpreter with the function's environment from the
template plus the variables Lambda sets (so the X-Ray SDK takes its Lambda path); the layers'
packages come from the project venv, the closest thing here to the arm64/Python 3.14 layers.
Two figures per handler: with bytecode cached (median of several runs), and as deployed, where no
`.pyc` files are shipped and `/opt` and `/var/task` are read-only, so every cold start compiles.
"""

from __future__ import annotations

import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from bench.figures import Figure, Target

SECTION = "lambdas"
CODE_TARGET = Target("<=", 1.0)  # MB zipped
IMPORT_TARGET = Target("<=", 150)  # ms, handlers that do not import numpy
CACHED_RUNS = 5
IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s*(\S+)\s*$")
PLACEHOLDER = "bench-placeholder"


@dataclass(frozen=True)
class HandlerAsset:
    """One deployed task function: its handler, code asset, layer assets and environment."""

    stack: str
    logical_id: str
    handler: str
    code: Path
    layers: tuple[tuple[str, Path], ...]
    environment: Mapping[str, str]
    memory_mb: int

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]


def handler_assets(outdir: Path, env: str) -> list[HandlerAsset]:
    """Every function the project defines (`Stepwise:Source` metadata) in the env's templates."""
    assets = []
    for template_path in sorted(outdir.glob(f"Stepwise-{env}-*.template.json")):
        resources = json.loads(template_path.read_text())["Resources"]
        for logical_id, resource in resources.items():
            metadata = resource.get("Metadata", {})
            if resource["Type"] != "AWS::Lambda::Function" or "Stepwise:Source" not in metadata:
                continue
            properties = resource["Properties"]
            layers = tuple(
                (layer["Ref"], outdir / resources[layer["Ref"]]["Metadata"]["aws:asset:path"])
                for layer in properties.get("Layers", [])
            )
            variables = properties.get("Environment", {}).get("Variables", {})
            assets.append(
                HandlerAsset(
                    stack=template_path.name.removesuffix(".template.json"),
                    logical_id=logical_id,
                    handler=properties["Handler"],
                    code=outdir / metadata["aws:asset:path"],
                    layers=layers,
                    environment={
                        key: value if isinstance(value, str) else PLACEHOLDER
                        for key, value in variables.items()
                    },
                    memory_mb=int(properties.get("MemorySize", 128)),
                )
            )
    if not assets:
        raise FileNotFoundError(
            f"no Stepwise functions in {outdir}/Stepwise-{env}-*.template.json: synth first"
        )
    return assets


@cache
def zipped_bytes(folder: Path) -> int:
    """Size of `folder` zipped with deflate, as it is uploaded."""
    if not folder.is_dir():
        raise FileNotFoundError(f"asset folder {folder} is missing (was the app synthesized with bundling?)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder))
    return buffer.tell()


def lambda_environment(asset: HandlerAsset, pycache: Path, *, write_bytecode: bool) -> dict[str, str]:
    """The function's variables, Lambda's own, and a bytecode cache outside the asset folder."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(asset.code),
        "PYTHONPYCACHEPREFIX": str(pycache),
        "LAMBDA_TASK_ROOT": str(asset.code),
        "AWS_LAMBDA_FUNCTION_NAME": asset.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(asset.memory_mb),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.14",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "_HANDLER": asset.handler,
        **asset.environment,
    }
    if not write_bytecode:
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


def import_profile(asset: HandlerAsset, pycache: Path, *, write_bytecode: bool) -> tuple[float, set[str]]:
    """(milliseconds to import the handler module, every module imported) in a fresh interpreter."""
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {asset.module}"],
        cwd=asset.code,
        env=lambda_environment(asset, pycache, write_bytecode=write_bytecode),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"importing {asset.module} failed:\n{completed.stderr[-2000:]}")
    return parse_importtime(completed.stderr, asset.module)


def parse_importtime(output: str, module: str) -> tuple[float, set[str]]:
    """The cumulative milliseconds of `module` and the names of all modules in `-X importtime` output."""
    modules: set[str] = set()
    cumulative_us: int | None = None
    for line in output.splitlines():
        match = IMPORT_LINE.match(line)
        if not match:
            continue
        name = match.group(3)
        modules.add(name)
        if name == module:
            cumulative_us = int(match.group(2))
    if cumulative_us is None:
        raise ValueError(f"{module} does not appear in the -X importtime output")
    return cumulative_us / 1000, modules


# What every handler imports before its own code: the AWS SDK, and Powertools (Logger, Tracer with the
# X-Ray SDK, Metrics) through shared.task.
FLOORS = {
    "boto3": "the AWS SDK alone",
    "shared.task": "Powertools Logger, Tracer (X-Ray SDK), Metrics, and the SDK they load",
}


def measure_imports(asset: HandlerAsset, scratch: Path, runs: int) -> dict[str, Any]:
    """Median cold import with bytecode cached (after one run that writes it), and one as deployed."""
    cached_prefix = scratch / "cached"
    import_profile(asset, cached_prefix, write_bytecode=True)
    cached = [import_profile(asset, cached_prefix, write_bytecode=True)[0] for _ in range(runs)]
    fresh = Path(tempfile.mkdtemp(dir=scratch))
    as_deployed, modules = import_profile(asset, fresh, write_bytecode=False)
    return {
        "cachedMs": statistics.median(cached),
        "asDeployedMs": as_deployed,
        "numpy": "numpy" in modules,
        "modules": len(modules),
    }


def measure(outdir: Path, env: str = "dev", runs: int = CACHED_RUNS) -> tuple[list[Figure], dict[str, Any]]:
    assets = handler_assets(outdir, env)
    rows = []
    with tempfile.TemporaryDirectory(prefix="stepwise-bench-pyc-") as scratch:
        for asset in assets:
            imports = measure_imports(asset, Path(scratch), runs)
            rows.append(
                {
                    "function": f"{asset.stack.rsplit('-', 1)[-1]}/{asset.logical_id}",
                    "handler": asset.handler,
                    "codeZipBytes": zipped_bytes(asset.code),
                    "layers": {name: zipped_bytes(path) for name, path in asset.layers},
                    **imports,
                }
            )
        floors = {
            module: measure_imports(replace(assets[0], handler=f"{module}.handler"), Path(scratch), runs)
            for module in FLOORS
        }
    layer_sizes = {name: size for row in rows for name, size in row["layers"].items()}
    details = {"runs": runs, "handlers": rows, "layerZipBytes": layer_sizes, "floors": floors}
    return [
        *figures(rows, layer_sizes),
        *(floor_figure(module, floor) for module, floor in floors.items()),
    ], details


def floor_figure(module: str, floor: Mapping[str, Any]) -> Figure:
    return Figure(
        SECTION,
        f"cold import of {module} alone ({FLOORS[module]})",
        round(floor["cachedMs"], 1),
        "ms",
        note=f"the floor under every handler; as deployed, without bytecode: {floor['asDeployedMs']:.0f} ms",
    )


def figures(rows: list[dict[str, Any]], layer_sizes: Mapping[str, int]) -> Iterator[Figure]:
    for row in rows:
        yield Figure(SECTION, f"{row['handler']}: code zipped", _mb(row["codeZipBytes"]), "MB", CODE_TARGET)
        yield Figure(
            SECTION,
            f"{row['handler']}: cold import",
            round(row["cachedMs"], 1),
            "ms",
            None if row["numpy"] else IMPORT_TARGET,
            note=("imports numpy: no target; " if row["numpy"] else "")
            + f"as deployed, without bytecode: {row['asDeployedMs']:.0f} ms; "
            + f"layers {' + '.join(f'{_mb(row_size)} MB' for row_size in row['layers'].values())}",
        )
    for name, size in sorted(layer_sizes.items()):
        yield Figure(SECTION, f"layer {name}: zipped", _mb(size), "MB")
    yield from summary(rows)


def summary(rows: Iterable[dict[str, Any]]) -> Iterator[Figure]:
    rows = list(rows)
    plain = [row["cachedMs"] for row in rows if not row["numpy"]]
    if plain:
        yield Figure(
            SECTION,
            "slowest cold import without numpy",
            round(max(plain), 1),
            "ms",
            IMPORT_TARGET,
            note=f"median over handlers {statistics.median(plain):.0f} ms",
        )
    yield Figure(
        SECTION,
        "largest handler code zipped",
        _mb(max(row["codeZipBytes"] for row in rows)),
        "MB",
        CODE_TARGET,
    )


def _mb(size: int) -> float:
    return round(size / 1_000_000, 3)
