"""boto3 clients for localrun's own calls, all made from one session kept for the whole process.

`mock_aws` replaces boto3's default session with a fresh one for every mock, so `boto3.client()`
would parse each service's model again for every runner (~40 ms a client). One long-lived session
parses each model once. Clients still talk to whichever moto is active: moto intercepts every
botocore request process-wide, and the credentials are moto's fake ones either way.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3

_lock = threading.Lock()
_session: boto3.session.Session | None = None


def client(service: str, region: str) -> Any:
    """A new boto3 client for `service` in `region` from the shared session (thread-safe)."""
    global _session
    with _lock:
        if _session is None:
            _session = boto3.session.Session()
        return _session.client(service, region_name=region)
