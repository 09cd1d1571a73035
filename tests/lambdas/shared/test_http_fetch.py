"""The public-address rule of shared/http_fetch.py with the real resolver (no network: localhost)."""

from __future__ import annotations

import pytest

from shared import http_fetch


def test_localhost_resolves_to_loopback_and_is_refused() -> None:
    with pytest.raises(http_fetch.DomainNotAllowed, match="non-public address"):
        http_fetch.check_public("localhost")


def test_a_literal_public_address_passes() -> None:
    http_fetch.check_public("93.184.215.14")


def test_a_name_that_does_not_resolve_is_unavailable() -> None:
    with pytest.raises(http_fetch.SourceUnavailable, match="does not resolve"):
        http_fetch.check_public("no-such-host.invalid")
