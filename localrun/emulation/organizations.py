"""EMULATION of AWS Organizations behaviour moto lacks, for local runs only (never used on AWS).

As the Organizations API reference documents it (CreateAccount, CreateAccountStatus, MoveAccount):
- **E-mail uniqueness.** An AWS account's e-mail address belongs to that account alone. A
  CreateAccount whose e-mail belongs to an existing account creates nothing: its request ends
  `FAILED` with FailureReason `EMAIL_ALREADY_EXISTS` ("another AWS account with that email address
  already exists"), or `CONCURRENT_ACCOUNT_MODIFICATION` ("You already submitted a request with the
  same information") while that account's own request is still `IN_PROGRESS`. moto created a second
  account with the same e-mail. Only accounts moto knows count (those of the local organization;
  e-mails compared case-insensitively).
- **Asynchronous creation** (`creation_latency(polls)`, off by default). Accounts take minutes on
  AWS; a request made inside the block reports `IN_PROGRESS` for its first `polls` status reads (a
  DescribeCreateAccountStatus of it, or a ListCreateAccountStatus that lists it) and its account is
  absent from ListAccounts and DescribeAccount until then. moto answered `SUCCEEDED` at once.
- **MoveAccount into the parent the account is already in** fails with `DuplicateAccountException`
  ("That account is already present in the specified destination"); moto accepted it.

Failed requests and read counts live on the moto backend, so they are discarded with it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from moto.core.utils import unix_time, utcnow
from moto.organizations import utils as organizations_utils
from moto.organizations.exceptions import AccountNotFoundException, OrganizationsClientError
from moto.organizations.models import FakeAccount, OrganizationsBackend
from moto.utilities.paginator import paginate

from localrun.engine.overrides import replace

OVERRIDE_KIND = "emulation"
OVERRIDE_TEST = "tests/localrun/emulation/test_organizations.py"

EMAIL_ALREADY_EXISTS = "EMAIL_ALREADY_EXISTS"
CONCURRENT_ACCOUNT_MODIFICATION = "CONCURRENT_ACCOUNT_MODIFICATION"
REQUEST_STATES = ("IN_PROGRESS", "SUCCEEDED", "FAILED")
_FAILED = "_localrun_failed_create_account_requests"
_SLOW = "_localrun_slow_create_account_requests"
_READS = "_localrun_create_account_status_reads"
_lock = threading.Lock()
# Organizations checks an e-mail's uniqueness and creates the account as one step: concurrent
# CreateAccount calls are serialized here, so two requests for one e-mail never both pass the check.
_creation = threading.Lock()
_latency = {"polls": 0}


class DuplicateAccountException(OrganizationsClientError):
    def __init__(self) -> None:
        super().__init__(
            "DuplicateAccountException", "That account is already present in the specified destination."
        )


def install() -> None:
    replace(OrganizationsBackend, "create_account", _build_create_account)
    replace(OrganizationsBackend, "describe_create_account_status", _build_describe_status)
    replace(OrganizationsBackend, "list_create_account_status", _build_list_status)
    replace(OrganizationsBackend, "list_accounts", _build_list_accounts)
    replace(OrganizationsBackend, "describe_account", _build_describe_account)
    replace(OrganizationsBackend, "move_account", _build_move_account)


@contextlib.contextmanager
def creation_latency(polls: int) -> Iterator[None]:
    """Requests made inside the block stay IN_PROGRESS for their first `polls` status reads."""
    from localrun import engine

    engine.install()
    with _lock:
        previous, _latency["polls"] = _latency["polls"], polls
    try:
        yield
    finally:
        with _lock:
            _latency["polls"] = previous


# ---- state kept on the backend ------------------------------------------------------------------


def _store(backend: OrganizationsBackend, name: str) -> dict[str, Any]:
    store: dict[str, Any] = backend.__dict__.setdefault(name, {})
    return store


def _pending(backend: OrganizationsBackend, request_id: str) -> bool:
    """Whether the request has not been seen completed yet (only slowed-down requests ever are)."""
    with _lock:
        slow = int(_store(backend, _SLOW).get(request_id, 0))
        return slow > 0 and int(_store(backend, _READS).get(request_id, 0)) <= slow


def _read(backend: OrganizationsBackend, status: dict[str, Any]) -> dict[str, Any]:
    """The request as one status read sees it (the read counts toward its completion)."""
    request_id = status["Id"]
    with _lock:
        reads = _store(backend, _READS)
        reads[request_id] = int(reads.get(request_id, 0)) + 1
        still_pending = reads[request_id] <= int(_store(backend, _SLOW).get(request_id, 0))
    return _in_progress(status) if still_pending else status


def _in_progress(status: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in status.items() if k not in ("AccountId", "CompletedTimestamp", "FailureReason")}
    return {**kept, "State": "IN_PROGRESS"}


def _slow_down(backend: OrganizationsBackend, request_id: str) -> None:
    with _lock:
        if _latency["polls"]:
            _store(backend, _SLOW)[request_id] = _latency["polls"]


def _account_with_email(backend: OrganizationsBackend, email: str) -> FakeAccount | None:
    wanted = email.casefold()
    return next((account for account in backend.accounts if account.email.casefold() == wanted), None)


def _all_statuses(backend: OrganizationsBackend) -> list[dict[str, Any]]:
    created = [account.create_account_status["CreateAccountStatus"] for account in backend.accounts]
    return sorted([*created, *_store(backend, _FAILED).values()], key=lambda s: s["RequestedTimestamp"])


# ---- overrides ------------------------------------------------------------------------------------


def _build_create_account(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def create_account(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
        with _creation:
            return _create_once(self, kwargs)

    def _create_once(self: OrganizationsBackend, kwargs: dict[str, Any]) -> dict[str, Any]:
        holder = _account_with_email(self, str(kwargs.get("Email", ""))) if self.org else None
        if holder is None:
            status = original(self, **kwargs)["CreateAccountStatus"]
        else:
            reason = (
                CONCURRENT_ACCOUNT_MODIFICATION
                if _pending(self, holder.create_account_status_id)
                else EMAIL_ALREADY_EXISTS
            )
            now = unix_time(utcnow())
            status = {
                "Id": organizations_utils.make_random_create_account_status_id(),
                "AccountName": kwargs["AccountName"],
                "State": "FAILED",
                "RequestedTimestamp": now,
                "CompletedTimestamp": now,
                "FailureReason": reason,
            }
            with _lock:
                _store(self, _FAILED)[status["Id"]] = status
        _slow_down(self, status["Id"])
        return {"CreateAccountStatus": _in_progress(status) if _pending(self, status["Id"]) else status}

    return create_account


def _build_describe_status(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def describe_create_account_status(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
        failed = _store(self, _FAILED).get(kwargs["CreateAccountRequestId"])
        status = failed or original(self, **kwargs)["CreateAccountStatus"]
        return {"CreateAccountStatus": _read(self, status)}

    return describe_create_account_status


def _build_list_status(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def list_create_account_status(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
        states = kwargs.get("States") or REQUEST_STATES
        seen = [_read(self, status) for status in _all_statuses(self)]
        matching = [status for status in seen if status["State"] in states]
        start = int(kwargs.get("NextToken") or 0)
        size = int(kwargs.get("MaxResults") or 20)
        page = matching[start : start + size]
        more = start + size < len(matching)
        return {"CreateAccountStatuses": page, "NextToken": str(start + size) if more else None}

    return list_create_account_status


def _build_list_accounts(original: Callable[..., Any]) -> Callable[..., Any]:
    every_account: Callable[[OrganizationsBackend], list[dict[str, Any]]] = original.__wrapped__

    def list_accounts(self: OrganizationsBackend) -> list[dict[str, Any]]:
        requests = {account.id: account.create_account_status_id for account in self.accounts}
        return [item for item in every_account(self) if not _pending(self, requests[item["Id"]])]

    return paginate(pagination_model=organizations_utils.PAGINATION_MODEL)(list_accounts)


def _build_describe_account(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    def describe_account(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
        account = self.get_account_by_id(kwargs["AccountId"])
        if _pending(self, account.create_account_status_id):
            raise AccountNotFoundException
        return original(self, **kwargs)

    return describe_account


def _build_move_account(original: Callable[..., None]) -> Callable[..., None]:
    def move_account(self: OrganizationsBackend, **kwargs: Any) -> None:
        account = self.get_account_by_id(kwargs["AccountId"])
        if account.parent_id == kwargs["DestinationParentId"]:
            raise DuplicateAccountException()
        original(self, **kwargs)

    return move_account
