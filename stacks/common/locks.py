"""Reading hashed requirement locks (`uv pip compile --generate-hashes` / `pip-compile` format)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;\\]+)")
HASH = re.compile(r"--hash=(?P<algorithm>sha256|sha384|sha512):(?P<digest>[0-9a-f]+)")


class LockError(ValueError):
    """A lock entry is not an exact pin with at least one hash."""


@dataclass(frozen=True)
class LockedRequirement:
    """One pinned distribution of a lock and the hashes of its files."""

    name: str
    version: str
    hashes: frozenset[str]


def read_lock(lock: Path) -> tuple[LockedRequirement, ...]:
    """Every pin of `lock`, in file order; a loose requirement or a pin without hashes is a `LockError`."""
    pins = []
    for entry in _entries(lock.read_text()):
        match = PIN.match(entry)
        if match is None:
            raise LockError(f"{lock}: {entry.split()[0]!r} is not pinned with '=='")
        hashes = frozenset(f"{found['algorithm']}:{found['digest']}" for found in HASH.finditer(entry))
        if not hashes:
            raise LockError(f"{lock}: {match['name']}=={match['version']} has no --hash")
        pins.append(LockedRequirement(_normalized(match["name"]), match["version"], hashes))
    if not pins:
        raise LockError(f"{lock}: no pinned requirement (regenerate it with `make lock`)")
    return tuple(pins)


def _entries(text: str) -> list[str]:
    """Logical requirement lines: comments dropped, backslash continuations joined."""
    entries: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            entries.append(current.strip())
        current = ""
    if current.strip():
        entries.append(current.strip())
    return entries


def _normalized(name: str) -> str:
    """PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()
