"""troupe-es: event-sourced LLM persona simulations.

Every perception, action, memory write and LLM call is an immutable event in an append-only
log; memory, caches and analytics are projections rebuilt from it. Heavy names are loaded
lazily so ``import troupe_es`` (and ``troupe-es --help``) stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Simulation": "troupe_es.api",
    "Person": "troupe_es.api",
    "World": "troupe_es.api",
    "replay_run": "troupe_es.api.replay",
    "open_store": "troupe_es.store",
    "EventStore": "troupe_es.store",
    "InMemoryEventStore": "troupe_es.store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'troupe_es' has no attribute {name!r}")
    return getattr(import_module(module), name)
