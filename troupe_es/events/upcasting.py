"""Upcasters: pure functions that lift an old stored payload to the next schema version.

Register one per ``(type, from_version)``; reading a row stored at version 1 of an event whose
class is now at version 3 applies the 1→2 and 2→3 upcasters in turn, then validates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(type_: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Decorator registering ``fn(payload) -> payload`` that lifts ``type_`` from ``from_version``."""

    def register(fn: Upcaster) -> Upcaster:
        key = (type_, from_version)
        if key in _UPCASTERS and _UPCASTERS[key] is not fn:
            raise ValueError(f"an upcaster for {type_} v{from_version} is already registered")
        _UPCASTERS[key] = fn
        return fn

    return register


def upcast(type_: str, from_version: int, to_version: int, payload: Payload) -> Payload:
    """Apply the registered upcasters from ``from_version`` up to ``to_version``."""
    version = from_version
    while version < to_version:
        fn = _UPCASTERS.get((type_, version))
        if fn is None:
            raise LookupError(f"no upcaster registered for {type_} v{version}")
        payload = fn(dict(payload))
        version += 1
    return payload
