import pytest
from aws_cdk import DockerImage

from stacks.common.bundling import BundlingFailed, PipLayerBundler, layer_hash
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


def test_layer_identity_depends_only_on_requirements_and_platform(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        (folder / "requirements.txt").write_text("six==1.17.0\n")
    (second / "unrelated.py").write_text("x = 1\n")
    arm = layer_hash(first / "requirements.txt", "manylinux2014_aarch64", "3.14")
    assert arm == layer_hash(second / "requirements.txt", "manylinux2014_aarch64", "3.14")
    assert arm != layer_hash(first / "requirements.txt", "manylinux2014_x86_64", "3.14")
    assert arm != layer_hash(first / "requirements.txt", "manylinux2014_aarch64", "3.13")
    (first / "requirements.txt").write_text("six==1.16.0\n")
    assert arm != layer_hash(first / "requirements.txt", "manylinux2014_aarch64", "3.14")
