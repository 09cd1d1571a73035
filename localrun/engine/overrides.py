"""A registry of the moto internals localrun replaces, so a test can prove each is still in effect."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import moto

PINNED_MOTO_VERSION = "5.2.5"


class MotoVersionError(RuntimeError):
    """moto is not the version localrun's overrides were written against."""


@dataclass(frozen=True)
class Override:
    """`owner.attribute` replaced by `replacement`; `original` kept for fall-through."""

    owner: Any
    attribute: str
    replacement: Any
    original: Any

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


def replace(owner: Any, attribute: str, build: Callable[[Any], Any]) -> Override:
    """Replace `owner.attribute` with `build(original)` (once; later calls return the first)."""
    with _lock:
        for existing in _overrides:
            if existing.owner is owner and existing.attribute == attribute:
                return existing
        if isinstance(owner, type):
            defining = next((klass for klass in owner.__mro__ if attribute in klass.__dict__), None)
            if defining is None:
                raise MotoVersionError(f"{owner.__qualname__}.{attribute} no longer exists in moto")
            original = defining.__dict__[attribute]
        else:
            if not hasattr(owner, attribute):
                raise MotoVersionError(f"{owner.__name__}.{attribute} no longer exists in moto")
            original = getattr(owner, attribute)
        replacement = build(original)
        setattr(owner, attribute, replacement)
        override = Override(owner=owner, attribute=attribute, replacement=replacement, original=original)
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
        setattr(owner, attribute, value)
        override = Override(owner=owner, attribute=attribute, replacement=value, original=None)
        _overrides.append(override)
        return override


def installed() -> list[Override]:
    with _lock:
        return list(_overrides)
