"""The registry of every attribute localrun replaces (moto, botocore, the standard library).

Every patch goes through `replace`/`add`/`renew`, so a test can prove each is still in effect and
`localrun.engine.override_table` can list them. The module that installs an override declares what
kind it is (`OVERRIDE_KIND`, one of `KINDS`) and the test file that covers it (`OVERRIDE_TEST`);
its docstring's first line says why.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import moto

PINNED_MOTO_VERSION = "5.2.5"

Kind = Literal["fix", "emulation", "speed", "isolation", "wiring"]
KINDS: dict[str, str] = {
    "fix": "a moto bug that makes a valid workflow behave otherwise than on AWS",
    "emulation": "AWS behaviour moto lacks or answers differently, emulated as documented",
    "speed": "a cache or deferral that makes moto or botocore faster with the same answers",
    "isolation": "per-invocation process state for in-process Lambda handlers",
    "wiring": "ties moto's interpreter to localrun's runs: real handlers, mocks, faults, virtual time",
}


class MotoVersionError(RuntimeError):
    """moto is not the version localrun's overrides were written against."""


class OverrideDeclarationError(ValueError):
    """The module installing an override does not say what kind it is or which test covers it."""


@dataclass(frozen=True)
class Override:
    """`owner.attribute` replaced by `replacement` (by `installer`); `original` kept for fall-through."""

    owner: Any
    attribute: str
    replacement: Any
    original: Any
    installer: str

    @property
    def kind(self) -> str:
        return str(getattr(self._installer_module(), "OVERRIDE_KIND", ""))

    @property
    def test(self) -> str:
        return str(getattr(self._installer_module(), "OVERRIDE_TEST", ""))

    @property
    def why(self) -> str:
        """The first line of the installing module's docstring."""
        doc = self._installer_module().__doc__ or ""
        return doc.strip().splitlines()[0] if doc.strip() else ""

    def _installer_module(self) -> Any:
        return sys.modules.get(self.installer) or importlib.import_module(self.installer)

    @property
    def name(self) -> str:
        owner = getattr(self.owner, "__qualname__", getattr(self.owner, "__name__", str(self.owner)))
        module = getattr(self.owner, "__module__", "") or getattr(self.owner, "__name__", "")
        return f"{module}.{owner}.{self.attribute}" if module != owner else f"{owner}.{self.attribute}"

    def in_effect(self) -> bool:
        current = (
            self.owner.__dict__.get(self.attribute)
            if isinstance(self.owner, type)
            else (getattr(self.owner, self.attribute, None))
        )
        return current is self.replacement


_overrides: list[Override] = []
_lock = threading.Lock()


def check_moto_version() -> None:
    if moto.__version__ != PINNED_MOTO_VERSION:
        raise MotoVersionError(
            f"localrun overrides moto internals written for moto=={PINNED_MOTO_VERSION}, "
            f"found {moto.__version__}: re-check localrun/engine before upgrading"
        )


def _caller_module(depth: int = 2) -> str:
    """The module that called the registry function (the override's installer)."""
    module = str(sys._getframe(depth).f_globals.get("__name__", ""))
    declared = sys.modules.get(module)
    kind = getattr(declared, "OVERRIDE_KIND", None)
    if kind not in KINDS or not getattr(declared, "OVERRIDE_TEST", None):
        raise OverrideDeclarationError(
            f"{module} installs an override: it must declare OVERRIDE_KIND (one of {sorted(KINDS)}) "
            "and OVERRIDE_TEST (the test file that covers it)"
        )
    return module


def replace(owner: Any, attribute: str, build: Callable[[Any], Any]) -> Override:
    """Replace `owner.attribute` with `build(original)` (once; later calls return the first)."""
    return _replace(owner, attribute, build, _caller_module())


def _replace(owner: Any, attribute: str, build: Callable[[Any], Any], installer: str) -> Override:
    with _lock:
        for existing in _overrides:
            if existing.owner is owner and existing.attribute == attribute:
                return existing
        if isinstance(owner, type):
            defining = next((klass for klass in owner.__mro__ if attribute in klass.__dict__), None)
            if defining is None:
                raise MotoVersionError(f"{owner.__qualname__}.{attribute} no longer exists: re-check")
            original = defining.__dict__[attribute]
        else:
            if not hasattr(owner, attribute):
                raise MotoVersionError(f"{owner.__name__}.{attribute} no longer exists: re-check")
            original = getattr(owner, attribute)
        replacement = build(original)
        setattr(owner, attribute, replacement)
        override = Override(owner, attribute, replacement, original, installer)
        _overrides.append(override)
        return override


def add(owner: type, attribute: str, value: Any) -> Override:
    """Add `owner.attribute`, which moto lacks (fails if moto grew its own: time to re-check)."""
    with _lock:
        for existing in _overrides:
            if existing.owner is owner and existing.attribute == attribute:
                return existing
        if any(attribute in klass.__dict__ for klass in owner.__mro__):
            raise MotoVersionError(
                f"moto now implements {owner.__qualname__}.{attribute}: re-check localrun's emulation"
            )
        installer = _caller_module()
        setattr(owner, attribute, value)
        override = Override(owner, attribute, value, None, installer)
        _overrides.append(override)
        return override


def renew(owner: Any, attribute: str, build: Callable[[Any], Any]) -> Override:
    """Replace `owner.attribute` with `build(current)` again if someone put another value there
    since (e.g. a test harness swapping `sys.stdout`); the first original stays the original."""
    installer = _caller_module()
    with _lock:
        index = next(
            (i for i, o in enumerate(_overrides) if o.owner is owner and o.attribute == attribute), None
        )
    if index is None:
        return _replace(owner, attribute, build, installer)
    with _lock:
        existing = _overrides[index]
        if existing.in_effect():
            return existing
        replacement = build(getattr(owner, attribute))
        setattr(owner, attribute, replacement)
        renewed = Override(owner, attribute, replacement, existing.original, installer)
        _overrides[index] = renewed
        return renewed


def installed() -> list[Override]:
    with _lock:
        return list(_overrides)
