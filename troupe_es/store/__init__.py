"""Event stores: one interface (:class:`EventStore`), three backends proven equal.

``open_store(url)`` picks the backend from the URL: ``memory://``, ``sqlite:///FILE`` (default
``sqlite:///troupe.db``) or ``postgresql+psycopg://USER@HOST:PORT/DB``.
"""

from __future__ import annotations

from troupe_es.store.base import EventStore, RunSummary, Snapshot
from troupe_es.store.memory import InMemoryEventStore

DEFAULT_STORE_URL = "sqlite:///troupe.db"


def open_store(url: str | None = None) -> EventStore:
    """Open (creating on first use) the event store at ``url``."""
    url = url or DEFAULT_STORE_URL
    if url.startswith("memory:"):
        return InMemoryEventStore()
    from troupe_es.store.sql import SqlEventStore

    return SqlEventStore(url)


__all__ = ["DEFAULT_STORE_URL", "EventStore", "InMemoryEventStore", "RunSummary", "Snapshot", "open_store"]
