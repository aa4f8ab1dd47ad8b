"""Adapters over other libraries' private internals: one small module per library.

Each names the private attributes it relies on in one place, and has a
`check()` that tests/test_library_internals.py runs against the installed
library, so that an upgrade that changes them fails loudly, naming the library,
its version and the version the adapter was written for.
"""

from __future__ import annotations

import inspect
from importlib import metadata

from cleaners.process_pool import LibraryChanged

__all__ = ["LibraryChanged", "installed_version", "signature_problems"]


def installed_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def signature_problems(owner: type, expected: dict[str, tuple[str, ...]]) -> list[str]:
    """For each `name: parameters` (without self), what is missing or different on `owner`."""
    problems = []
    for name, params in expected.items():
        member = getattr(owner, name, None)
        if member is None or not callable(member):
            problems.append(f"{owner.__name__}.{name} is gone")
            continue
        found = tuple(p for p in inspect.signature(member).parameters if p != "self")
        if found[:len(params)] != params or any(
                inspect.signature(member).parameters[p].default is inspect.Parameter.empty
                for p in found[len(params):]):
            problems.append(f"{owner.__name__}.{name}{params} is now {name}{found}")
    return problems
