"""One provisioned tenants stack per test module (`tenancy.provisioned`)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from tests.support.worlds.tenants import TenantsWorld, provisioned


@pytest.fixture(scope="module")
def harness() -> Iterator[TenantsWorld]:
    with provisioned() as world:
        yield world


@pytest.fixture(autouse=True)
def _moto_cloudformation_gaps() -> None:
    # moto's CloudFormation skips these two baseline types (with a warning); the rest deploys.
    warnings.filterwarnings(
        "ignore", r"Tried to parse AWS::(S3::BucketPolicy|ResourceGroups::Group) ", UserWarning
    )
