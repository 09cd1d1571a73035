"""moto set-up for the CV-safety handlers: environment variables, the bucket and both tables."""

from __future__ import annotations

import pytest
from moto import mock_aws

from tests.lambdas.cv.cvaws import ENVIRONMENT, data_plane


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield data_plane()
