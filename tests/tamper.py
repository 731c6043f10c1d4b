"""Change a SQL store behind its back, as someone with write access to the database could."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text

_DROP_TRIGGERS = {
    "postgresql": ("DROP TRIGGER IF EXISTS troupe_events_no_change ON troupe_events",
                   "DROP TRIGGER IF EXISTS troupe_events_no_truncate ON troupe_events"),
    "sqlite": ("DROP TRIGGER IF EXISTS troupe_events_no_update", "DROP TRIGGER IF EXISTS troupe_events_no_delete"),
}


def tamper(url: Any, *statements: str | tuple[str, dict]) -> None:
    """Run SQL (text, or text and parameters) on the database at ``url`` (a URL string or a
    SQLAlchemy URL) in one transaction, the append-only triggers dropped first. Reopening the
    store recreates the triggers."""
    engine = create_engine(url)
    with engine.begin() as conn:
        for ddl in _DROP_TRIGGERS[engine.dialect.name]:
            conn.execute(text(ddl))
        for statement in statements:
            sql, params = (statement, {}) if isinstance(statement, str) else statement
            conn.execute(text(sql), params)
    engine.dispose()
