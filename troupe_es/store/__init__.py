"""Event stores: one interface (:class:`EventStore`), three backends proven equal.

``open_store(url)`` picks the backend from the URL: ``memory://``, ``sqlite:///FILE`` (default
``sqlite:///troupe.db``) or ``postgresql+psycopg://USER@HOST:PORT/DB``.
"""

from __future__ import annotations

from troupe_es.store.base import EventStore, RunSummary, Snapshot
from troupe_es.store.memory import InMemoryEventStore

DEFAULT_STORE_URL = "sqlite:///troupe.db"


def open_store(url: str | None = None, *, readonly: bool = False, init: bool = False) -> EventStore:
    """Open the event store at ``url`` (default: ``sqlite:///troupe.db``), creating its tables on
    first use (safe when several processes open a new store at once). A malformed or unsupported
    URL is one :class:`~troupe_es.errors.ConfigurationError` line.

    ``readonly=True`` opens an existing store without creating or writing anything: what the
    read commands use, so a read-only file or a PostgreSQL role with only SELECT can audit a
    store; a database without a store raises :class:`~troupe_es.errors.NotAStoreError`.
    ``init=True`` lets a write open add the store's tables to an SQLite database that already
    holds other tables (refused otherwise, so a typo in a path never writes into a foreign file).
    """
    from troupe_es.store.urls import store_kind

    url = DEFAULT_STORE_URL if url is None else url
    if store_kind(url) == "memory":
        return InMemoryEventStore()
    from troupe_es.store.sql import SqlEventStore

    return SqlEventStore(url, readonly=readonly, init=init)


__all__ = ["DEFAULT_STORE_URL", "EventStore", "InMemoryEventStore", "RunSummary", "Snapshot", "open_store"]
