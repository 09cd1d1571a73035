import pytest
from aws_cdk import DockerImage

from stacks.common.bundling import BundlingFailed, PipLayerBundler
from tests.support.probe import probe_template


def test_installs_lambda_platform_wheels_into_the_python_folder(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("six==1.17.0\n")
    output = tmp_path / "out"
    output.mkdir()
    bundler = PipLayerBundler(requirements, "manylinux2014_aarch64", "3.14")
    assert bundler.try_bundle(str(output), image=DockerImage.from_registry("unused"))
    assert (output / "python" / "six.py").is_file()
    assert not list(output.rglob("__pycache__"))


def test_a_requirement_that_cannot_be_installed_fails_loudly(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("stepwise-no-such-package-anywhere==0.0.1\n")
    bundler = PipLayerBundler(requirements, "manylinux2014_aarch64", "3.14")
    with pytest.raises(BundlingFailed, match="stepwise-no-such-package-anywhere"):
        bundler.try_bundle(str(tmp_path), image=DockerImage.from_registry("unused"))


def test_layer_targets_the_function_runtime_and_architecture():
    probe_template().has_resource_properties(
        "AWS::Lambda::LayerVersion",
        {"CompatibleRuntimes": ["python3.14"], "CompatibleArchitectures": ["arm64"]},
    )
