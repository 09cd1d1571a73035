"""Docker-free packaging of Lambda dependencies: `pip install` for the Lambda platform, as a layer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, DockerImage, ILocalBundling, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

PLATFORM_TAGS = {
    lambda_.Architecture.ARM_64.name: "manylinux2014_aarch64",
    lambda_.Architecture.X86_64.name: "manylinux2014_x86_64",
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
            "--platform",
            self._platform,
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
        # The local bundler is not part of the asset hash: everything that changes the output is
        # repeated here so that a different platform or Python version yields a different asset.
        environment={"PIP_PLATFORM": platform, "PIP_PYTHON_VERSION": python_version},
    )
    code = lambda_.Code.from_asset(
        str(requirements.parent),
        exclude=["*", f"!{requirements.name}"],
        bundling=bundling,
    )
    return lambda_.LayerVersion(
        stack,
        construct_id,
        code=code,
        compatible_runtimes=[runtime],
        compatible_architectures=[architecture],
        description=description,
    )
