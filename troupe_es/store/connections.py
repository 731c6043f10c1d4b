"""Database connections of the SQL store: transactions on a driver connection, per dialect.

The store speaks plain SQL to the driver (``sqlite3`` or psycopg 3) and needs from a connection
source only a transaction, serialized against other appenders when it writes. SQLite uses the
standard library directly (a small pool of connections, each in WAL mode), so opening the default
store imports neither SQLAlchemy nor anything else heavy; PostgreSQL uses SQLAlchemy's connection
pool (pre-ping, overflow), imported only when a PostgreSQL URL is opened.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import unquote

from troupe_es.errors import ConfigurationError

_SQLITE_SCHEMES = ("sqlite", "sqlite+pysqlite")
_IDLE_CONNECTIONS = 16


class Connections(Protocol):
    """Where the SQL store gets its transactions from."""

    dialect: str
    """``sqlite`` or ``postgresql``."""
    mark: str
    """The driver's parameter mark: ``?`` (sqlite3) or ``%s`` (psycopg)."""
    dbapi: Any
    """The driver module (its ``Error`` classes classify failures)."""
    url: str
    """The URL with any password masked, for messages."""

    def transaction(self, *, write: bool, lock_events: bool = True) -> Any:
        """A context manager yielding a driver connection inside a transaction, committed on
        success and rolled back on error; ``write`` ones are serialized against every appender."""

    def dispose(self) -> None:
        """Close the idle connections (a later transaction opens new ones)."""


def scheme_of(url: str) -> str:
    """The URL's scheme (``sqlite``, ``postgresql+psycopg`` ...); ConfigurationError if it has none."""
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        raise ConfigurationError(f"invalid store URL {url!r}: expected sqlite:///FILE or "
                                 "postgresql+psycopg://USER@HOST/DB")
    return scheme.lower()


def open_connections(url: str) -> Connections:
    """The connection source for a ``sqlite:///FILE`` or ``postgresql[+psycopg]://`` URL."""
    scheme = scheme_of(url)
    if scheme in _SQLITE_SCHEMES:
        return SqliteConnections(sqlite_path(url))
    if scheme.split("+")[0] in ("postgresql", "postgres"):
        return PostgresConnections(url)
    raise ConfigurationError(f"unsupported store URL {safe_url(url)}: use sqlite:/// or postgresql+psycopg://")


def sqlite_path(url: str) -> str:
    """The database file of a ``sqlite:///FILE`` URL (``sqlite://`` alone: an in-memory database)."""
    rest = url.partition("://")[2]
    if not rest:
        return ":memory:"
    if not rest.startswith("/"):
        raise ConfigurationError(f"invalid store URL {url!r}: expected sqlite:///FILE (three slashes)")
    path = unquote(rest[1:].split("?", 1)[0])
    return path or ":memory:"


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages (SQLite URLs carry none)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() in _SQLITE_SCHEMES:
        return url
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


class SqliteConnections:
    """Standard-library ``sqlite3`` connections in WAL mode, pooled across threads.

    Each transaction checks a connection out (opening one when none is idle) and back in; a
    write begins ``IMMEDIATE``, which serializes appenders until commit while readers go on.
    An in-memory database is one connection shared under a lock.
    """

    dialect = "sqlite"
    mark = "?"
    dbapi = sqlite3

    def __init__(self, path: str, *, timeout: float = 60.0) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self._timeout = timeout
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._memory = path == ":memory:"
        self._shared: sqlite3.Connection | None = None
        self._shared_lock = threading.RLock()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA page_size=8192")  # a new file only: fewer B-tree pages per event
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _checkout(self) -> sqlite3.Connection:
        if self._memory:
            self._shared_lock.acquire()
            if self._shared is None:
                try:
                    self._shared = self._connect()
                except BaseException:
                    self._shared_lock.release()
                    raise
            return self._shared
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _checkin(self, conn: sqlite3.Connection) -> None:
        if self._memory:
            self._shared_lock.release()
            return
        if not conn.in_transaction:  # a connection whose rollback failed is never handed out again
            with self._lock:
                if len(self._idle) < _IDLE_CONNECTIONS:
                    self._idle.append(conn)
                    return
        conn.close()

    @contextmanager
    def transaction(self, *, write: bool, lock_events: bool = True) -> Iterator[sqlite3.Connection]:
        conn = self._checkout()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise
        finally:
            self._checkin(conn)

    def dispose(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        with self._shared_lock:
            if self._shared is not None:
                self._shared.close()
                self._shared = None


class PostgresConnections:
    """psycopg 3 connections from SQLAlchemy's pool (pre-ping, overflow).

    A write locks ``troupe_events`` in ``EXCLUSIVE`` mode until commit (readers still read), so
    positions become visible in order and a tailing reader never skips one.
    """

    dialect = "postgresql"
    mark = "%s"

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ConfigurationError(f"invalid store URL {url!r}: expected sqlite:///FILE or "
                                     "postgresql+psycopg://USER@HOST/DB") from exc
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.url = parsed.render_as_string(hide_password=True)
        try:
            self._engine = create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True)
        except NoSuchModuleError as exc:
            raise ConfigurationError(f"unsupported store driver in {self.url}: {exc}") from exc
        self.dbapi = self._engine.dialect.dbapi

    @contextmanager
    def transaction(self, *, write: bool, lock_events: bool = True) -> Iterator[Any]:
        from sqlalchemy.exc import DBAPIError

        try:
            with self._engine.connect() as outer, outer.begin():
                conn = outer.connection.driver_connection
                if write and lock_events:
                    conn.execute("LOCK TABLE troupe_events IN EXCLUSIVE MODE")
                yield conn
        except DBAPIError as exc:  # raised by the pool (connect, pre-ping) or at commit
            if exc.orig is not None:
                raise exc.orig from exc
            raise

    def dispose(self) -> None:
        self._engine.dispose()
