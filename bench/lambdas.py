"""How heavy each Lambda handler is: zipped code, zipped layers, and cold init as Lambda runs it.

Reads the templates and assets `cdk synth` wrote (the synth section leaves them in `cdk.out`). Sizes
are of the assets as deployed, zipped with deflate. Cold init is `python -X importtime` of the
handler module, the way Lambda's runtime loads it: a fresh interpreter of the runtime's Python minor
(checked against the templates' Runtime), without the project venv (`-S`), with the function's
code asset first on the path, then its layers, then the SDK the runtime ships (boto3 and its
dependencies), and no bytecode written anywhere (`PYTHONDONTWRITEBYTECODE`; Lambda's `/var/task`
and `/opt` are read-only). The layers are built from the same hashed locks and with the same
bytecode step as the deployed ones (`stacks/common/bundling.py`), for this machine's architecture,
since the deployed arm64 wheels cannot load here. The function's environment from the template and
the variables Lambda sets go with it (so the X-Ray SDK takes its Lambda path). Median of several
runs, each a cold start; the figure is the interpreter's CPU time when the handler import returns
(start-up included), which a busy machine inflates far less than wall time, given beside it.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import platform
import re
import shutil
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
from stacks.common.bundling import PLATFORM_TAGS, compile_bytecode, install_locked
from stacks.common.task_function import LAMBDAS_ROOT, layer_locks

SECTION = "lambdas"
CODE_TARGET = Target("<=", 1.0)  # MB zipped
INIT_TARGET = Target("<=", 250)  # ms, handlers that do not import numpy
NUMPY_INIT_TARGET = Target("<=", 600)  # ms, handlers that import numpy
RUNS = 5
IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s*(\S+)\s*$")
PLACEHOLDER = "bench-placeholder"
CPU_MARK = "stepwise-bench-cpu-seconds: "
# What Lambda's Python runtime ships besides the standard library: the SDK (import names). The bench
# takes them from the project venv, compiled; their version is the dev lock's, not the runtime's.
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
HOST_ARCHITECTURES = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}  # machine -> Lambda name


@dataclass(frozen=True)
class HandlerAsset:
    """One deployed task function: its handler, code asset, layer assets and environment."""

    stack: str
    logical_id: str
    handler: str
    package: str
    runtime: str
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
                    package=metadata["Stepwise:Source"]["package"],
                    runtime=properties.get("Runtime", ""),
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


def lambda_environment(asset: HandlerAsset, path: Iterable[Path]) -> dict[str, str]:
    """The function's variables, Lambda's own, its import path, and no bytecode writes."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join(str(entry) for entry in path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAMBDA_TASK_ROOT": str(asset.code),
        "AWS_LAMBDA_FUNCTION_NAME": asset.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(asset.memory_mb),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{asset.runtime}",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "_HANDLER": asset.handler,
        **asset.environment,
    }
    return environment


def check_runtime(asset: HandlerAsset) -> None:
    """The bench measures with this interpreter: it must be of the function's runtime minor."""
    running = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if asset.runtime != running:
        raise RuntimeError(
            f"{asset.logical_id} runs on {asset.runtime} but the bench runs on {running}: "
            "run it from the project venv (`make bench`)"
        )


@dataclass(frozen=True)
class ColdInit:
    """One cold start: the handler import's wall time, the interpreter's CPU time, the modules loaded."""

    import_ms: float
    cpu_ms: float
    modules: frozenset[str]


def import_profile(asset: HandlerAsset, path: Iterable[Path]) -> ColdInit:
    """Import the handler module in a fresh interpreter: `-X importtime`, and the CPU time it used.

    The CPU time is the interpreter's (start-up included) when the import returns, read inside it
    (`time.process_time()`), so the exit that Lambda never does is not counted: what the init costs
    on an idle core. Wall time also counts waiting for a core on a busy machine.
    """
    code = (
        f"import {asset.module}; import sys, time; sys.stderr.write(f'{CPU_MARK}{{time.process_time()}}\\n')"
    )
    completed = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-c", code],
        cwd=asset.code,
        env=lambda_environment(asset, path),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"importing {asset.module} failed:\n{completed.stderr[-2000:]}")
    import_ms, modules = parse_importtime(completed.stderr, asset.module)
    (cpu_seconds,) = [
        float(line.removeprefix(CPU_MARK))
        for line in completed.stderr.splitlines()
        if line.startswith(CPU_MARK)
    ]
    return ColdInit(import_ms, cpu_seconds * 1000, frozenset(modules))


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
    "boto3": "the runtime's AWS SDK alone",
    "shared.task": "Powertools Logger, Tracer (X-Ray SDK), Metrics, and the SDK they load",
}


def runtime_sdk(scratch: Path) -> Path:
    """A folder standing for the runtime's site-packages: the venv's SDK packages, compiled as shipped."""
    folder = scratch / "runtime-site-packages"
    if folder.is_dir():
        return folder
    folder.mkdir(parents=True)
    for name in RUNTIME_SDK:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise FileNotFoundError(f"{name} is not installed in the project venv (make setup)")
        origin = Path(spec.origin)
        if origin.name == "__init__.py":
            shutil.copytree(
                origin.parent, folder / origin.parent.name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(origin, folder / origin.name)
    compile_bytecode(folder, f"{sys.version_info.major}.{sys.version_info.minor}")
    return folder


def host_layer(lock: Path, scratch: Path) -> Path:
    """The layer of `lock` built as deployed (hashed pins, unchecked-hash bytecode), for this machine."""
    folder = scratch / "layers" / lock.parent.name / "python"
    if folder.is_dir():
        return folder
    architecture = HOST_ARCHITECTURES[platform.machine()]
    python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    install_locked(lock, folder, PLATFORM_TAGS[architecture], python_version)
    compile_bytecode(folder, python_version)
    return folder


def import_path(asset: HandlerAsset, scratch: Path) -> list[Path]:
    """Lambda's order: the code asset, the layers in the function's order, then the runtime's SDK."""
    layers = [host_layer(lock, scratch) for lock in layer_locks(LAMBDAS_ROOT, asset.package)]
    return [asset.code, *layers, runtime_sdk(scratch)]


def measure_imports(asset: HandlerAsset, scratch: Path, runs: int) -> dict[str, Any]:
    """Medians over `runs` cold starts (fresh interpreters), and what the handler imports."""
    path = import_path(asset, scratch)
    profiles = [import_profile(asset, path) for _ in range(runs)]
    modules = profiles[0].modules
    return {
        "coldInitCpuMs": statistics.median(profile.cpu_ms for profile in profiles),
        "importWallMs": statistics.median(profile.import_ms for profile in profiles),
        "numpy": "numpy" in modules,
        "boto3FromLayer": any((layer / "boto3").is_dir() for layer in path[1:-1]),
        "modules": len(modules),
    }


def measure(outdir: Path, env: str = "dev", runs: int = RUNS) -> tuple[list[Figure], dict[str, Any]]:
    assets = handler_assets(outdir, env)
    for asset in assets:
        check_runtime(asset)
    rows = []
    with tempfile.TemporaryDirectory(prefix="stepwise-bench-lambda-") as scratch:
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
        f"cold init of {module} alone ({FLOORS[module]})",
        round(floor["coldInitCpuMs"], 1),
        "ms",
        note=f"CPU; the floor under every handler; import wall time {floor['importWallMs']:.0f} ms",
    )


def figures(rows: list[dict[str, Any]], layer_sizes: Mapping[str, int]) -> Iterator[Figure]:
    for row in rows:
        yield Figure(SECTION, f"{row['handler']}: code zipped", _mb(row["codeZipBytes"]), "MB", CODE_TARGET)
        yield Figure(
            SECTION,
            f"{row['handler']}: cold init",
            round(row["coldInitCpuMs"], 1),
            "ms",
            NUMPY_INIT_TARGET if row["numpy"] else INIT_TARGET,
            note=f"CPU; import wall time {row['importWallMs']:.0f} ms; "
            + ("imports numpy; " if row["numpy"] else "")
            + ("boto3 from its layer; " if row["boto3FromLayer"] else "")
            + f"layers {' + '.join(f'{_mb(row_size)} MB' for row_size in row['layers'].values())}",
        )
    for name, size in sorted(layer_sizes.items()):
        yield Figure(SECTION, f"layer {name}: zipped", _mb(size), "MB")
    yield from summary(rows)


def summary(rows: Iterable[dict[str, Any]]) -> Iterator[Figure]:
    rows = list(rows)
    for numpy, target, label in ((False, INIT_TARGET, "without"), (True, NUMPY_INIT_TARGET, "with")):
        times = [row["coldInitCpuMs"] for row in rows if row["numpy"] is numpy]
        if times:
            yield Figure(
                SECTION,
                f"slowest cold init {label} numpy",
                round(max(times), 1),
                "ms",
                target,
                note=f"median over {len(times)} handlers {statistics.median(times):.0f} ms",
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
