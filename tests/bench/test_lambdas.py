"""bench/lambdas.py: reading the functions from synthesized templates, sizes and -X importtime output."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest

from bench import lambdas

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       120 |        120 |   _io
import time:      2000 |      90000 |     boto3
import time:       300 |        300 |     numpy.core
import time:       876 |     231448 | orders.charge
"""


def write_assembly(outdir: Path) -> None:
    (outdir / "asset.code").mkdir(parents=True)
    (outdir / "asset.code" / "handler.py").write_text("x = 1\n" * 1000)
    (outdir / "asset.layer" / "python").mkdir(parents=True)
    (outdir / "asset.layer" / "python" / "lib.py").write_text("y = 2\n")
    template = {
        "Resources": {
            "Layer": {"Type": "AWS::Lambda::LayerVersion", "Metadata": {"aws:asset:path": "asset.layer"}},
            "ChargeFunction": {
                "Type": "AWS::Lambda::Function",
                "Metadata": {"aws:asset:path": "asset.code", "Stepwise:Source": {"package": "orders"}},
                "Properties": {
                    "Handler": "orders.charge.handler",
                    "Runtime": "python3.13",
                    "Layers": [{"Ref": "Layer"}],
                    "MemorySize": 256,
                    "Environment": {"Variables": {"TABLE": {"Ref": "Table"}, "MODE": "live"}},
                },
            },
            "CdkProvider": {
                "Type": "AWS::Lambda::Function",
                "Metadata": {},
                "Properties": {"Handler": "x.y"},
            },
        }
    }
    (outdir / "Stepwise-dev-Orders.template.json").write_text(json.dumps(template))


def test_only_the_projects_functions_are_read_with_their_assets(tmp_path: Path) -> None:
    write_assembly(tmp_path)
    (asset,) = lambdas.handler_assets(tmp_path, "dev")
    assert asset.module == "orders.charge" and asset.memory_mb == 256
    assert (asset.package, asset.runtime) == ("orders", "python3.13")
    assert asset.code == tmp_path / "asset.code"
    assert asset.layers == (("Layer", tmp_path / "asset.layer"),)
    assert asset.environment == {"TABLE": lambdas.PLACEHOLDER, "MODE": "live"}


def test_a_missing_synth_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="synth first"):
        lambdas.handler_assets(tmp_path, "dev")


def test_zipped_size_is_the_size_of_a_real_zip(tmp_path: Path) -> None:
    write_assembly(tmp_path)
    size = lambdas.zipped_bytes(tmp_path / "asset.code")
    archive = tmp_path / "check.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.write(tmp_path / "asset.code" / "handler.py", "handler.py")
    assert size == archive.stat().st_size
    assert size < 6000  # the repetitive source compresses


def test_importtime_output_gives_the_modules_cumulative_time_and_all_modules() -> None:
    milliseconds, modules = lambdas.parse_importtime(IMPORTTIME, "orders.charge")
    assert milliseconds == pytest.approx(231.448)
    assert {"boto3", "numpy.core", "orders.charge"} <= modules
    with pytest.raises(ValueError, match="does not appear"):
        lambdas.parse_importtime(IMPORTTIME, "rag.chunk")


def test_the_import_environment_is_lambdas_and_writes_no_bytecode(tmp_path: Path) -> None:
    write_assembly(tmp_path)
    (asset,) = lambdas.handler_assets(tmp_path, "dev")
    layer, sdk = tmp_path / "layer" / "python", tmp_path / "sdk"
    environment = lambdas.lambda_environment(asset, [asset.code, layer, sdk])
    assert environment["LAMBDA_TASK_ROOT"] == str(asset.code)
    assert environment["PYTHONPATH"].split(os.pathsep) == [str(asset.code), str(layer), str(sdk)]
    assert environment["PYTHONDONTWRITEBYTECODE"] == "1" and "PYTHONPYCACHEPREFIX" not in environment
    assert environment["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert environment["MODE"] == "live" and "AWS_ACCESS_KEY_ID" not in environment


def test_the_bench_refuses_an_interpreter_of_another_minor_than_the_runtime(tmp_path: Path) -> None:
    write_assembly(tmp_path)
    (asset,) = lambdas.handler_assets(tmp_path, "dev")
    lambdas.check_runtime(dataclasses.replace(asset, runtime=f"python3.{sys.version_info.minor}"))
    with pytest.raises(RuntimeError, match=r"runs on python3\.9"):
        lambdas.check_runtime(dataclasses.replace(asset, runtime="python3.9"))


def test_the_runtime_sdk_stands_apart_from_the_venv_compiled_as_shipped(tmp_path: Path) -> None:
    folder = lambdas.runtime_sdk(tmp_path)
    assert sorted(path.name for path in folder.iterdir() if path.name != "__pycache__") == sorted(
        ["boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3"]
    )
    assert (folder / "boto3" / "__pycache__" / f"__init__.{sys.implementation.cache_tag}.pyc").is_file()
