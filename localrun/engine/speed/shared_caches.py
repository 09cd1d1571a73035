"""Work botocore and moto redo for every session or request although its result cannot change.

Safe for any code in the process (plain moto tests too), so the test suite installs it for every
test, not only where a LocalRunner starts.

- botocore data files: botocore caches what a `Loader` parses on that loader, and every botocore
  session makes its own. moto's `mock_aws` replaces boto3's default session for every mock, and
  code that builds a session per call (Powertools' idempotency layer, in every invocation) parsed
  the service model, `endpoints.json` and the endpoint rule set again each time (30-70 ms a
  client). Loaders that search the same paths now share one cache, as the clients of one session
  always share their loader's: the files are read-only, and entries are keyed by the method's
  arguments plus the loader's search paths and extras types (boto3 adds a search path, so its
  loaders share a cache of their own). Failed look-ups are not cached, as in botocore.
- botocore endpoint rule sets: every client parsed its service's endpoint rule set into a new
  `EndpointProvider` (~0.5 ms). Providers are stateless apart from their cache of resolved
  endpoints (a pure function of the parameters), so clients built from the same rule set and
  partition data (the same objects, thanks to the shared loader cache) share one provider.
- botocore event names: each client's event aliaser starts with an empty cache of aliased event
  names and worked every name out again. Copies of an aliaser have the same aliases, so they
  share the cache.
- moto's S3 URL table: moto re-imports `moto.s3.urls` twice per S3 request (~1 ms each) to pick up
  `MOTO_S3_CUSTOM_ENDPOINTS`; it is now re-imported only when that variable has changed.
- `jsonpath_ng.ext.parse` built a new parser (its grammar tables) for every call (0.3-2 ms);
  moto's EventBridge does so for each input path of each event it delivers. Parsed paths are
  immutable, so each path string is parsed once, as localrun already does for Step Functions.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import Any

import jsonpath_ng.ext
from botocore import regions
from botocore.hooks import EventAliaser
from botocore.loaders import Loader
from moto.s3.models import S3Backend

from localrun.engine.overrides import check_moto_version, replace

OVERRIDE_KIND = "speed"
OVERRIDE_TEST = "tests/localrun/engine/speed/test_shared_caches.py"

CACHED_LOADER_METHODS = (
    "list_available_services",
    "determine_latest_version",
    "list_api_versions",
    "load_service_model",
    "load_data_with_path",
)
S3_ENDPOINTS_VARIABLE = "MOTO_S3_CUSTOM_ENDPOINTS"

_shared: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()
_MISSING = object()


def install() -> None:
    check_moto_version()
    for method in CACHED_LOADER_METHODS:
        replace(Loader, method, _sharing(method))
    replace(regions, "EndpointProvider", _build_provider_cache)
    replace(EventAliaser, "__copy__", _build_aliaser_copy)
    replace(S3Backend, "_url_module", _build_s3_url_module)
    replace(jsonpath_ng.ext, "parse", _build_path_cache)


def _sharing(method: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def build(original: Callable[..., Any]) -> Callable[..., Any]:
        def shared(self: Loader, *args: Any, **kwargs: Any) -> Any:
            key = (
                type(self),
                type(self.file_loader),
                tuple(self.search_paths),
                tuple(self.extras_types),
                method,
                args,
                tuple(sorted(kwargs.items())),
            )
            with _lock:
                found = _shared.get(key, _MISSING)
            if found is not _MISSING:
                return found
            data = original(self, *args, **kwargs)
            with _lock:
                return _shared.setdefault(key, data)

        shared.__doc__ = original.__doc__
        return shared

    return build


def _build_provider_cache(original: type) -> Callable[..., Any]:
    providers: dict[tuple[int, int, frozenset[str] | None], tuple[Any, Any, Any]] = {}
    lock = threading.Lock()

    def endpoint_provider(ruleset_data: Any, partition_data: Any, excluded_params: Any = None) -> Any:
        excluded = None if excluded_params is None else frozenset(excluded_params)
        key = (id(ruleset_data), id(partition_data), excluded)
        with lock:
            entry = providers.get(key)
        if entry is not None and entry[0] is ruleset_data and entry[1] is partition_data:
            return entry[2]
        provider = original(
            ruleset_data=ruleset_data, partition_data=partition_data, excluded_params=excluded_params
        )
        with lock:  # the data objects stay referenced, so their ids are not reused
            providers[key] = (ruleset_data, partition_data, provider)
        return provider

    return endpoint_provider


def _build_aliaser_copy(original: Callable[[EventAliaser], EventAliaser]) -> Callable[..., EventAliaser]:
    def copy_aliaser(self: EventAliaser) -> EventAliaser:
        copied = original(self)
        if copied._event_aliases == self._event_aliases:
            copied._alias_name_cache = self._alias_name_cache
        return copied

    return copy_aliaser


def _build_path_cache(original: Callable[..., Any]) -> Callable[..., Any]:
    return functools.lru_cache(maxsize=4096)(original)


def _build_s3_url_module(original: property) -> property:
    loaded: dict[str, Any] = {}
    lock = threading.Lock()

    def url_module(self: S3Backend) -> Any:
        endpoints = os.environ.get(S3_ENDPOINTS_VARIABLE)
        with lock:
            if "module" not in loaded or loaded["endpoints"] != endpoints:
                loaded["module"] = original.fget(self)
                loaded["endpoints"] = endpoints
            return loaded["module"]

    return property(url_module, doc=original.__doc__)
