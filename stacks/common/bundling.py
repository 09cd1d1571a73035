"""Docker-free packaging of Lambda dependencies: a hashed lock installed for the Lambda platform, as a layer.

The lock (`requirements.lock`, written by `make lock`) is the single source of a layer: pip installs
exactly its pins with `--require-hashes --no-deps`, binary wheels only, for the function's platform
and Python; the files are then compiled to bytecode for that Python with `unchecked-hash` pycs, which
Lambda's read-only `/opt` can use without writing or re-checking sources. The layer's asset hash is
derived from what the lock resolves to (names, versions, hashes), the platform and the Python.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.common.locks import read_lock

# Lambda's Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34), which loads manylinux_2_28
# wheels (the only Linux aarch64 wheels of numpy >= 2.3 and Pillow >= 13) as well as manylinux2014 ones.
PLATFORM_TAGS = {
    lambda_.Architecture.ARM_64.name: "manylinux2014_aarch64,manylinux_2_28_aarch64",
    lambda_.Architecture.X86_64.name: "manylinux2014_x86_64,manylinux_2_28_x86_64",
}
LOCK_NAME = "requirements.lock"
# How a layer is built from its lock, part of its identity: change it with the build steps below, so
# layers built the new way get a new asset hash and are redeployed.
RECIPE = "pip --require-hashes --no-deps --only-binary=:all: --no-compile; compileall unchecked-hash"


class BundlingFailed(RuntimeError):
    """pip could not install a layer's lock for the Lambda platform, or its bytecode could not be built."""


@jsii.implements(ILocalBundling)
class PipLayerBundler:
    """Installs a hashed lock into `<output>/python` with binary wheels for the target platform."""

    def __init__(self, lock: Path, platform: str, python_version: str) -> None:
        self._lock = lock
        self._platform = platform
        self._python_version = python_version

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        target = Path(output_dir) / "python"
        install_locked(self._lock, target, self._platform, self._python_version)
        compile_bytecode(target, self._python_version)
        return True


def install_locked(lock: Path, target: Path, platform: str, python_version: str) -> None:
    """`pip install` exactly the lock's pins, hash-checked, as binary wheels for `platform`."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--require-hashes",
        "--no-deps",
        "--requirement",
        str(lock),
        "--target",
        str(target),
        *(flag for tag in platform.split(",") for flag in ("--platform", tag)),
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        "--only-binary=:all:",
        "--no-compile",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BundlingFailed(f"pip failed for {lock}:\n{result.stderr}")


def compile_bytecode(folder: Path, python_version: str) -> None:
    """Compile `folder` for `python_version` with unchecked-hash pycs (used as they are, never rewritten).

    Bytecode is specific to a Python minor, so it is built by an interpreter of that minor: this one.
    """
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running != python_version:
        raise BundlingFailed(
            f"layer bytecode for Python {python_version} needs Python {python_version} to build it; "
            f"this is Python {running} (run the app from the project venv: `make setup`)"
        )
    for stale in folder.rglob("__pycache__"):
        shutil.rmtree(stale, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        str(folder),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
        raise BundlingFailed(f"compileall failed in {folder}:\n{output}")


def layer_hash(lock: Path, platform: str, python_version: str) -> str:
    """Identity of a layer's content: what its lock resolves to, the target platform and Python, and
    the build recipe.

    Built from the parsed pins (name, version, every hash), so a changed transitive version or
    artifact changes it while comments or ordering in the lock do not; the local bundler object is
    not part of CDK's asset hash, so the hash is explicit and the same on every machine.
    """
    resolved = [
        {"name": pin.name, "version": pin.version, "hashes": sorted(pin.hashes)}
        for pin in sorted(read_lock(lock), key=lambda pin: pin.name)
    ]
    identity = {"resolved": resolved, "platform": platform, "python": python_version, "recipe": RECIPE}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def dependency_layer(
    scope: Construct,
    construct_id: str,
    lock: Path,
    runtime: lambda_.Runtime,
    architecture: lambda_.Architecture,
    description: str,
) -> lambda_.LayerVersion:
    """A layer holding the pins of `lock` built locally; reused when already defined in the stack."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(construct_id)
    if existing is not None:
        return existing  # type: ignore[return-value]
    platform = PLATFORM_TAGS[architecture.name]
    python_version = runtime.name.removeprefix("python")
    bundling = BundlingOptions(
        image=runtime.bundling_image,
        local=PipLayerBundler(lock, platform, python_version),
        environment={"PIP_PLATFORM": platform, "PIP_PYTHON_VERSION": python_version},
    )
    code = lambda_.Code.from_asset(
        str(lock.parent),
        exclude=["*", f"!/{lock.name}"],
        bundling=bundling,
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=layer_hash(lock, platform, python_version),
    )
    return lambda_.LayerVersion(
        stack,
        construct_id,
        code=code,
        compatible_runtimes=[runtime],
        compatible_architectures=[architecture],
        description=description,
    )
