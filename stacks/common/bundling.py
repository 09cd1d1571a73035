"""Docker-free packaging of Lambda dependencies: `pip install` for the Lambda platform, as a layer."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

# Lambda's Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34), which loads manylinux_2_28
# wheels (the only Linux aarch64 wheels of numpy >= 2.3 and Pillow >= 13) as well as manylinux2014 ones.
PLATFORM_TAGS = {
    lambda_.Architecture.ARM_64.name: "manylinux2014_aarch64,manylinux_2_28_aarch64",
    lambda_.Architecture.X86_64.name: "manylinux2014_x86_64,manylinux_2_28_x86_64",
}


class BundlingFailed(RuntimeError):
    """pip could not install a layer's requirements for the Lambda platform."""


@jsii.implements(ILocalBundling)
class PipLayerBundler:
    """Installs a requirements file into `<output>/python` with binary wheels for the target platform."""

    def __init__(self, requirements: Path, platform: str, python_version: str) -> None:
        self._requirements = requirements
        self._platform = platform
        self._python_version = python_version

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_: object) -> bool:
        target = Path(output_dir) / "python"
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--requirement",
            str(self._requirements),
            "--target",
            str(target),
            *(flag for tag in self._platform.split(",") for flag in ("--platform", tag)),
            "--implementation",
            "cp",
            "--python-version",
            self._python_version,
            "--only-binary=:all:",
            "--no-compile",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BundlingFailed(f"pip failed for {self._requirements}:\n{result.stderr}")
        for cache_dir in target.rglob("__pycache__"):
            shutil.rmtree(cache_dir, ignore_errors=True)
        return True


def layer_hash(requirements: Path, platform: str, python_version: str) -> str:
    """Identity of a layer's content: the requirements and the target platform, nothing else.

    The local bundler object is not part of CDK's asset hash, and the source folder may hold other
    files, so the hash is explicit: the same requirements give the same asset on every machine.
    """
    digest = hashlib.sha256()
    for part in (requirements.read_bytes(), platform.encode(), python_version.encode()):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def dependency_layer(
    scope: Construct,
    construct_id: str,
    requirements: Path,
    runtime: lambda_.Runtime,
    architecture: lambda_.Architecture,
    description: str,
) -> lambda_.LayerVersion:
    """A layer holding `requirements` built locally; reused when already defined in the stack."""
    stack = Stack.of(scope)
    existing = stack.node.try_find_child(construct_id)
    if existing is not None:
        return existing  # type: ignore[return-value]
    platform = PLATFORM_TAGS[architecture.name]
    python_version = runtime.name.removeprefix("python")
    bundling = BundlingOptions(
        image=runtime.bundling_image,
        local=PipLayerBundler(requirements, platform, python_version),
        environment={"PIP_PLATFORM": platform, "PIP_PYTHON_VERSION": python_version},
    )
    code = lambda_.Code.from_asset(
        str(requirements.parent),
        exclude=["*", f"!/{requirements.name}"],
        bundling=bundling,
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=layer_hash(requirements, platform, python_version),
    )
    return lambda_.LayerVersion(
        stack,
        construct_id,
        code=code,
        compatible_runtimes=[runtime],
        compatible_architectures=[architecture],
        description=description,
    )
