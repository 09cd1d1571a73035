"""The numpy/Pillow layer is built without Docker for the functions' platform (arm64, python3.13)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import DockerImage

from stacks.common.bundling import PLATFORM_TAGS, PipLayerBundler
from stacks.common.task_function import ARCHITECTURE, LAMBDAS_ROOT, RUNTIME

ELF_MACHINE_AARCH64 = 183


def elf_machine(library: Path) -> int:
    header = library.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{library} is not an ELF shared object"
    return int.from_bytes(header[18:20], "little")


def test_cv_requirements_install_as_aarch64_wheels_for_the_lambda_runtime(tmp_path):
    python_version = RUNTIME.name.removeprefix("python")
    bundler = PipLayerBundler(
        LAMBDAS_ROOT / "cv" / "requirements.lock", PLATFORM_TAGS[ARCHITECTURE.name], python_version
    )

    assert bundler.try_bundle(str(tmp_path), image=DockerImage.from_registry("unused"))

    site = tmp_path / "python"
    abi = f"cpython-{python_version.replace('.', '')}-aarch64-linux-gnu"
    numpy_core = list((site / "numpy" / "_core").glob(f"_multiarray_umath.{abi}.so"))
    pillow_core = list((site / "PIL").glob(f"_imaging.{abi}.so"))
    assert numpy_core and pillow_core, sorted(path.name for path in (site / "PIL").iterdir())
    assert elf_machine(numpy_core[0]) == ELF_MACHINE_AARCH64
    assert elf_machine(pillow_core[0]) == ELF_MACHINE_AARCH64
