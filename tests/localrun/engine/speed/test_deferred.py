"""moto work that localrun defers is done on first use, with the result moto gave up front."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import AmiBackend
from moto.kms.models import kms_backends

from localrun.engine.overrides import installed
from localrun.engine.speed import deferred

REGION = "us-east-1"


@pytest.fixture(autouse=True)
def overrides() -> None:
    deferred.install()


def _key_state(key_id: str, region: str = REGION) -> object:
    return kms_backends[DEFAULT_ACCOUNT_ID][region].keys[key_id].__dict__["private_key"]


@mock_aws
def test_a_symmetric_key_is_created_without_generating_a_key_pair() -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key(KeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]["KeyId"]

    state = _key_state(key_id)
    assert isinstance(state, deferred.DeferredKeyPair) and state._key is None
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


@mock_aws
def test_an_asymmetric_key_pair_is_generated_on_first_use_and_kept() -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]

    signature = kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    public_key = kms.get_public_key(KeyId=key_id)["PublicKey"]

    assert kms.verify(KeyId=key_id, Message=b"m", Signature=signature, SigningAlgorithm="RSASSA_PSS_SHA_256")[
        "SignatureValid"
    ]
    assert kms.get_public_key(KeyId=key_id)["PublicKey"] == public_key
    assert _key_state(key_id)._key is not None


@mock_aws
def test_a_replica_shares_the_key_pair_of_its_primary() -> None:
    primary = boto3.client("kms", region_name=REGION)
    key_id = primary.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", MultiRegion=True)[
        "KeyMetadata"
    ]["KeyId"]
    primary.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")
    replica = boto3.client("kms", region_name="eu-west-1")

    signature = replica.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]

    assert primary.verify(KeyId=key_id, Message=b"m", Signature=signature, SigningAlgorithm="ECDSA_SHA_256")[
        "SignatureValid"
    ]


@mock_aws
def test_default_amis_are_loaded_when_first_used_exactly_as_moto_loads_them() -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_vpc(CidrBlock="10.1.0.0/16")
    backend = ec2_backends[DEFAULT_ACCOUNT_ID][REGION]
    assert deferred._PENDING in backend.__dict__

    images = ec2.describe_images(Owners=["amazon"])["Images"]

    assert deferred._PENDING not in backend.__dict__
    reference = _moto_default_amis(backend)
    assert {image["ImageId"] for image in images} == set(reference)
    snapshots = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["amazon"])["Snapshots"]}
    assert {image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"] for image in images} <= snapshots


@mock_aws
def test_volumes_and_snapshots_also_load_the_default_amis_first() -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    volume = ec2.create_volume(Size=1, AvailabilityZone=f"{REGION}a")["VolumeId"]

    snapshots = ec2.describe_snapshots()["Snapshots"]

    assert len(snapshots) == len(_moto_default_amis(ec2_backends[DEFAULT_ACCOUNT_ID][REGION]))
    assert [v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]] == [volume]


@mock_aws
def test_a_reset_backend_defers_again() -> None:
    backend = ec2_backends[DEFAULT_ACCOUNT_ID][REGION]
    assert backend.amis
    backend.reset()
    assert deferred._PENDING in backend.__dict__
    assert backend.amis


def test_every_deferral_is_registered() -> None:
    names = {o.name.rsplit(".", 2)[-2] + "." + o.attribute for o in installed()}
    assert {"Key.private_key", "AmiBackend._load_amis", "EC2Backend.amis", "EC2Backend.volumes"} <= names


def _moto_default_amis(backend: object) -> dict[str, object]:
    """The AMIs moto's own loader (the original `_load_amis`) puts in a fresh backend."""
    load = next(o for o in installed() if o.owner is AmiBackend and o.attribute == "_load_amis").original

    class Plain:
        region_name = REGION
        account_id = DEFAULT_ACCOUNT_ID
        amis: dict[str, object] = {}

        def create_volume(self, size: int, zone_name: str) -> object:
            return type("Volume", (), {"id": "vol-x"})()

        def create_snapshot(self, *args: object, **kwargs: object) -> object:
            return object()

        def delete_volume(self, volume_id: str) -> None:
            return None

    plain = Plain()
    plain.amis = {}
    load(plain)
    return plain.amis
