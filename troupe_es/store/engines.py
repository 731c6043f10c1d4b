"""SQLAlchemy engines for the SQL store: SQLite pragmas and transactions, read-only connections.

Read-only opens never write, not even a pragma:

* SQLite opens the file with ``mode=ro``. A WAL database needs its ``-shm`` index to be read, and
  SQLite cannot create it in a directory this user may not write; then, and only when there is no
  write-ahead log holding committed pages (no ``-wal`` file, or an empty one: everything is in the
  main file), the file is opened ``immutable=1``, which reads it without any lock or index. That
  is the case of an archived store nobody writes to (a read-only file in a read-only directory).
* PostgreSQL sessions are set ``READ ONLY``, so the server itself refuses any write.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any, Callable
from urllib.parse import quote

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import URL, Engine

BUSY_TIMEOUT_S = 60
"""How long an SQLite connection waits for another process's lock before "database is locked"."""


def sqlite_engine(parsed: URL, *, readonly: bool, init: bool = False) -> Engine:
    """An engine on an SQLite file: WAL and ``BEGIN IMMEDIATE`` for write transactions (a
    connection whose execution options carry ``troupe_write``), or a read-only one.

    A database that holds other tables and no store is left in its journal mode (it is about to
    be refused, see :func:`troupe_es.store.ddl.ensure_schema`) unless ``init``."""
    if readonly:
        engine = create_engine(parsed, creator=_readonly_connector(parsed.database or ""))
    else:
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        if not readonly:
            cur.execute("PRAGMA page_size=8192")  # a new file only: fewer B-tree pages per event
            tables = {row[0] for row in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if init or not tables or "troupe_events" in tables:
                _switch_to_wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("troupe_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _switch_to_wal(cur: Any) -> None:
    """``PRAGMA journal_mode=WAL``, retried: switching a new file's journal needs an exclusive
    lock, and SQLite answers "database is locked" at once (without waiting on the busy timeout)
    when another connection opening the same new file holds a shared one."""
    import sqlite3
    import time

    for attempt in range(200):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 199:
                raise
            time.sleep(min(0.001 * (attempt + 1), 0.05))


def postgres_engine(parsed: URL, *, readonly: bool) -> Engine:
    """An engine on PostgreSQL (psycopg 3); its sessions are ``READ ONLY`` when ``readonly``."""
    engine = create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True)
    if readonly:
        @event.listens_for(engine, "connect")
        def _read_only_session(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_conn.commit()

    return engine


def _readonly_connector(path: str) -> Callable[[], sqlite3.Connection]:
    target = os.path.abspath(path)
    base = "file:" + quote(target)

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(f"{base}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            if getattr(exc, "sqlite_errorname", "") not in ("SQLITE_READONLY_DIRECTORY", "SQLITE_CANTOPEN",
                                                            "SQLITE_READONLY_CANTINIT"):
                raise
            wal = target + "-wal"
            if os.path.exists(wal) and os.path.getsize(wal) > 0:
                raise sqlite3.OperationalError(
                    f"{exc}: its write-ahead log {wal} holds pages that cannot be read without write "
                    "access to the directory (open it once with write access to checkpoint it)") from exc
        return sqlite3.connect(f"{base}?immutable=1", uri=True, check_same_thread=False)

    return connect


def is_readonly_error(exc: BaseException) -> bool:
    """Whether a driver error (bare or wrapped by SQLAlchemy) means "you may not write here"."""
    orig = getattr(exc, "orig", None) or exc
    if (getattr(orig, "sqlite_errorname", None) or "").startswith("SQLITE_READONLY"):
        return True
    return getattr(orig, "sqlstate", None) in ("42501", "25006")  # insufficient privilege, read-only tx
