"""Event stores: one interface (:class:`EventStore`), three backends proven equal.

``open_store(url)`` picks the backend from the URL: ``memory://``, ``sqlite:///FILE`` (default
``sqlite:///troupe.db``) or ``postgresql+psycopg://USER@HOST:PORT/DB``.
"""

from __future__ import annotations

from troupe_es.store.base import EventStore, RunSummary, Snapshot
from troupe_es.store.memory import InMemoryEventStore

DEFAULT_STORE_URL = "sqlite:///troupe.db"


def open_store(url: str | None = None) -> EventStore:
    """Open (creating on first use) the event store at ``url`` (default: ``sqlite:///troupe.db``).
    A malformed or unsupported URL is one :class:`~troupe_es.errors.ConfigurationError` line."""
    from troupe_es.store.urls import store_kind

    url = DEFAULT_STORE_URL if url is None else url
    if store_kind(url) == "memory":
        return InMemoryEventStore()
    from troupe_es.store.sql import SqlEventStore

    return SqlEventStore(url)


__all__ = ["DEFAULT_STORE_URL", "EventStore", "InMemoryEventStore", "RunSummary", "Snapshot", "open_store"]
