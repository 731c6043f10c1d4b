"""Creating the store's tables on first use, idempotently and race-free, and opening without DDL.

Any number of processes may open a new store at once (six ``troupe-es run`` on a fresh file, four
``projections rebuild``). Schema creation is serialized the way the databases themselves advise:

* SQLite: inside ``BEGIN IMMEDIATE``, which takes the write lock up front and waits for it under
  the busy timeout (a deferred transaction that reads the schema and then writes may instead fail
  at once with "database is locked");
* PostgreSQL: under a transaction-level advisory lock, creating only what is missing (a plain
  ``CREATE TABLE IF NOT EXISTS`` can still collide on the catalog's unique index when two
  sessions create the same table).

Rows that get replaced (projection checkpoints, snapshots) are written with :func:`upsert`
(``INSERT ... ON CONFLICT DO UPDATE``), never delete-then-insert, so concurrent writers of the
same key cannot collide. A read-only open (:func:`check_readable`) runs no DDL at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Table, inspect, insert, select

from troupe_es.errors import NotAStoreError, ReadOnlyStoreError, SchemaVersionError
from troupe_es.store import schema

SCHEMA_LOCK = 74657301
"""Key of the PostgreSQL advisory lock held while creating tables (the same in every version)."""


def lock_key(name: int | str) -> int:
    """A PostgreSQL advisory-lock key: an int as it is, a name as a stable signed 64-bit hash."""
    if isinstance(name, int):
        return name
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def advisory_lock(conn: Connection, name: int | str) -> None:
    """Hold PostgreSQL's transaction-level advisory lock ``name`` until the transaction ends
    (a no-op on SQLite, whose write transactions are serialized already)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (lock_key(name),))


def table_names(conn: Connection) -> set[str]:
    """Tables of the database (SQLite) or of the current schema (PostgreSQL)."""
    return {n for n in inspect(conn).get_table_names() if not n.startswith("sqlite_")}


def ensure_schema(conn: Connection, url: str, *, init: bool = False) -> None:
    """Create whatever part of the store is missing, in a write transaction the caller holds.

    An SQLite database holding other tables and none of the store's is refused
    (:class:`NotAStoreError`) unless ``init``; an existing store this user may read but not write
    raises :class:`ReadOnlyStoreError` before any DDL is tried."""
    advisory_lock(conn, SCHEMA_LOCK)
    present = table_names(conn)
    ours = {t.name for t in schema.metadata.sorted_tables}
    if not present & ours:
        others = sorted(present)
        if others and conn.dialect.name == "sqlite" and not init:
            raise NotAStoreError(
                f"{url} is not a troupe-es store: it holds other tables ({_listed(others)}) and no "
                "troupe-es tables; pass --init-store (open_store(..., init=True)) to add them to it")
    elif schema.events.name in present and not _may_insert(conn):
        raise ReadOnlyStoreError(f"event store {url} is read-only for this user "
                                 "(no INSERT privilege on troupe_events)")
    missing = [t for t in schema.metadata.sorted_tables if t.name not in present]
    ensure_tables(conn, missing, locked=True)
    for ddl in schema.TRIGGERS[conn.dialect.name]:
        conn.exec_driver_sql(ddl)
    stored = stored_version(conn)
    if stored is None:
        conn.execute(insert(schema.meta).values(key="schema_version", value=str(schema.SCHEMA_VERSION)))
    elif stored < schema.SCHEMA_VERSION:  # an older store: the tables it lacked were just created
        conn.execute(schema.meta.update().where(schema.meta.c.key == "schema_version")
                     .values(value=str(schema.SCHEMA_VERSION)))
    check_version(conn, url)


def ensure_tables(conn: Connection, tables: Iterable[Table], *, locked: bool = False) -> None:
    """Create the tables (and their indexes) that do not exist yet, in a write transaction the
    caller holds; ``locked`` when the caller already holds :data:`SCHEMA_LOCK`."""
    tables = list(tables)
    if not tables:
        return
    if not locked:
        advisory_lock(conn, SCHEMA_LOCK)
    for table in tables:
        table.create(conn, checkfirst=True)


def check_readable(conn: Connection, url: str) -> set[str]:
    """Check, without writing anything, that the database holds a store this version can read;
    returns the tables it has (a store from an older version may lack some, e.g. the heads)."""
    present = table_names(conn)
    if schema.events.name not in present:
        others = f" (it holds {_listed(sorted(present))})" if present else ""
        raise NotAStoreError(f"{url} is not a troupe-es store: it has no troupe_events table{others}")
    if schema.meta.name in present:
        check_version(conn, url)
    return present


def stored_version(conn: Connection) -> int | None:
    """The schema version recorded in the store, if any."""
    value = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar()
    return None if value is None else int(value)


def check_version(conn: Connection, url: str) -> None:
    """Refuse a store written by a newer troupe-es."""
    stored = stored_version(conn)
    if stored is not None and stored > schema.SCHEMA_VERSION:
        raise SchemaVersionError(f"event store {url} has schema v{stored}, newer than this troupe-es "
                                 f"supports (v{schema.SCHEMA_VERSION}); upgrade troupe-es")


def upsert(conn: Connection, table: Table, values: Mapping[str, Any] | list[Mapping[str, Any]],
           keys: Iterable[str], *, update: bool = True) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` (``DO NOTHING`` unless ``update``) of
    ``values``, one row or several: written or replaced in one statement that concurrent writers
    of the same key cannot break."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    keys = list(keys)
    statement = dialect_insert(table)
    if not update:
        return conn.execute(statement.on_conflict_do_nothing(index_elements=keys), values)
    columns = (values[0] if isinstance(values, list) else values).keys()
    return conn.execute(statement.on_conflict_do_update(
        index_elements=keys, set_={c: statement.excluded[c] for c in columns if c not in keys}), values)


def _may_insert(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return True  # SQLite: the caller's BEGIN IMMEDIATE has proven the file writable
    return bool(conn.exec_driver_sql(
        "SELECT has_table_privilege(to_regclass('troupe_events'), 'INSERT')").scalar())


def _listed(names: list[str], most: int = 5) -> str:
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")
