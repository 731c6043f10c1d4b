"""The SQL event store: SQLite (embedded default, WAL) and PostgreSQL (psycopg 3), one code path.

Appenders are serialized until commit (``BEGIN IMMEDIATE`` on SQLite, an ``EXCLUSIVE`` table lock
on PostgreSQL, which still lets readers in), so positions are assigned gap-free and become visible
in order: a reader tailing by position never skips an event. The table rejects UPDATE and DELETE
through triggers; snapshots and checkpoints live in tables of their own. Every statement is plain
SQL for the driver (:mod:`troupe_es.store.statements`); connections come from
:mod:`troupe_es.store.connections` (the standard library's ``sqlite3``, or SQLAlchemy's pool for
PostgreSQL), so opening the default SQLite store imports no SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

from troupe_es.errors import (
    ConcurrencyError,
    DuplicateEventError,
    SchemaVersionError,
    StoreError,
    StoreUnavailableError,
)
from troupe_es.events.envelope import NewEvent, Recorded
from troupe_es.store import schema, statements
from troupe_es.store.base import (
    Clock,
    EventStore,
    RunSummary,
    Snapshot,
    idempotent_replay,
    utc_now,
)
from troupe_es.store.connections import Connections, open_connections
from troupe_es.store.rows import COMPRESS_ABOVE, StoredRow, encode_records, normalize_expected
from troupe_es.store.statements import readable_rows, row_params, rows_params, sql, stored_rows

__all__ = ["SqlEventStore"]


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(orig).strip().splitlines() if ln.strip()]
    return lines[0] if lines else type(orig).__name__


class SqlEventStore(EventStore):
    """Event store on SQLite (``sqlite:///path.db``) or PostgreSQL (``postgresql+psycopg://...``)."""

    def __init__(self, url: str, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._connections: Connections = open_connections(url)
        self.url = self._connections.url
        self.dialect = self._connections.dialect
        self._mark = self._connections.mark
        self._insert_sql = statements.insert_sql(self._mark)
        self._dbapi = self._connections.dbapi
        self._ensure_schema()

    # ---- connection management ----------------------------------------------------------------
    @contextmanager
    def transaction(self, *, write: bool = False, lock_events: bool = True) -> Iterator[Any]:
        """A driver connection (``sqlite3`` or psycopg) inside a transaction, for the store and
        for stored projections that keep tables beside the log (plain SQL with :attr:`mark`).
        ``write`` ones are serialized against every appender (``lock_events=False``: not against
        appenders on PostgreSQL, for writes that never touch ``troupe_events``)."""
        try:
            with self._connections.transaction(write=write, lock_events=lock_events) as conn:
                yield conn
        except (self._dbapi.OperationalError, self._dbapi.InterfaceError) as exc:
            raise StoreUnavailableError(f"event store {self.url} failed: {_first_line(exc)}") from exc

    _tx = transaction

    @property
    def mark(self) -> str:
        """The driver's parameter mark in plain SQL: ``?`` (SQLite) or ``%s`` (PostgreSQL)."""
        return self._mark

    def _ensure_schema(self) -> None:
        try:
            with self._tx(write=True, lock_events=False) as conn:
                cursor = conn.cursor()
                if self.dialect == "postgresql":
                    cursor.execute("SELECT pg_advisory_xact_lock(74657301)")
                for ddl in schema.schema_sql(self.dialect):
                    cursor.execute(ddl)
                cursor.execute(statements.SCHEMA_VERSION_SQL)
                found = cursor.fetchone()
                if found is None:
                    cursor.execute(sql(statements.INSERT_META_SQL, self._mark),
                                   ["schema_version", str(schema.SCHEMA_VERSION)])
                elif int(found[0]) > schema.SCHEMA_VERSION:
                    raise SchemaVersionError(
                        f"event store {self.url} has schema v{found[0]}, newer than this troupe-es "
                        f"supports (v{schema.SCHEMA_VERSION}); upgrade troupe-es")
                cursor.close()
        except StoreUnavailableError as exc:
            raise StoreUnavailableError(f"cannot open event store {self.url}: "
                                        f"{str(exc).split(': ', 1)[-1]}") from exc
        except self._dbapi.Error as exc:
            raise StoreUnavailableError(f"cannot open event store {self.url}: {_first_line(exc)}") from exc

    def close(self) -> None:
        self._connections.dispose()

    # ---- writing ------------------------------------------------------------------------------
    def append(self, run_id: str, events: Sequence[NewEvent],
               expected_version: int | Mapping[str, int] | None = None) -> list[Recorded]:
        if not events:
            return []
        expected = normalize_expected(events, expected_version)
        with self._tx(write=True) as conn:
            cursor = conn.cursor()
            try:
                first_id = events[0].event_id
                streams = list(dict.fromkeys([e.stream for e in events]))
                if expected is not None:
                    streams.extend(s for s in expected if s not in streams)
                top, previous, hit, current = self._batch_context(cursor, run_id, first_id, streams)
                if hit is not None:
                    ids = [e.event_id for e in events if e.event_id]
                    replayed = idempotent_replay(self._rows_by_ids(cursor, ids), events)
                    if replayed is not None:
                        return replayed
                if expected is not None:
                    for stream, want in expected.items():
                        if current[stream] != want:
                            raise ConcurrencyError(f"stream {stream!r} of run {run_id} is at version "
                                                   f"{current[stream]}, expected {want}")
                rows, records = encode_records(run_id, events, next_position=top + 1,
                                               stream_versions=current, previous_chain=previous,
                                               recorded_at=self._clock())
                self._insert_rows(cursor, rows)
            except self._dbapi.IntegrityError as exc:
                raise DuplicateEventError(
                    f"batch for run {run_id} collides with stored events: {_first_line(exc)}") from exc
            except self._dbapi.Error as exc:
                raise self._driver_error(exc) from exc
            finally:
                cursor.close()
        return records

    def _insert_rows(self, cursor: Any, rows: list[StoredRow]) -> None:
        """Insert encoded rows: COPY on PostgreSQL (one round trip); on SQLite, multi-row
        ``INSERT`` statements (long, compressed payloads go one row per statement)."""
        if self.dialect == "postgresql" and len(rows) >= 4:
            with cursor.copy(statements.COPY_SQL) as copy:
                write = copy.write_row
                for row in rows_params(rows):
                    write(row)
            return
        limit = COMPRESS_ABOVE
        plain = [r for r in rows if len(r[12]) <= limit]
        if len(plain) < len(rows):
            cursor.executemany(self._insert_sql, [row_params(r) for r in rows if len(r[12]) > limit])
        per = statements.ROWS_PER_INSERT
        full = len(plain) - len(plain) % per
        if full:
            cursor.executemany(statements.insert_plain_sql(self._mark, per),
                               [tuple(chain.from_iterable(plain[i:i + per])) for i in range(0, full, per)])
        if full < len(plain):
            cursor.executemany(statements.insert_plain_sql(self._mark, 1), plain[full:])

    def _batch_context(self, cursor: Any, run_id: str, first_id: str | None,
                       streams: list[str]) -> tuple[int, str, int | None, dict[str, int]]:
        """Newest position, the run's last chain hash, the position of the first event id (if
        stored: a retried batch) and each stream's version, in one round trip per 100 streams."""
        current: dict[str, int] = {}
        top = previous = hit = None
        step = statements.STREAMS_PER_QUERY
        for i in range(0, len(streams), step):
            chunk = streams[i:i + step]
            head = i == 0
            params: list[Any] = [run_id] if head else []
            if head and first_id is not None:
                params.append(first_id)
            for stream in chunk:
                params += (run_id, stream)
            cursor.execute(statements.context_sql(self._mark, len(chunk), head, head and first_id is not None),
                           params)
            values = cursor.fetchone()
            if head:
                top, previous = values[0], values[1]
                if first_id is not None:
                    hit = values[2]
                values = values[3 if first_id is not None else 2:]
            current.update(zip(chunk, (v or 0 for v in values)))
        return top or 0, previous or "", hit, current

    def _driver_error(self, exc: Exception) -> StoreError:
        """A driver exception raised outside SQLAlchemy, as a one-line store error."""
        message = f"event store {self.url} failed: {_first_line(exc)}"
        if isinstance(exc, (self._dbapi.OperationalError, self._dbapi.InterfaceError)):
            return StoreUnavailableError(message)
        return StoreError(message)

    # ---- reading ------------------------------------------------------------------------------
    def iter_rows(self, *, run_id: str | None = None, stream: str | None = None,
                  types: Iterable[str] | None = None, from_position: int | None = None,
                  until_position: int | None = None, batch_size: int = 2000) -> Iterator[StoredRow]:
        for page in self._pages(run_id, stream, types, from_position, until_position, batch_size):
            yield from stored_rows(page)

    def _decodable_rows(self, *, run_id: str | None = None, stream: str | None = None,
                        types: Iterable[str] | None = None, from_position: int | None = None,
                        until_position: int | None = None, batch_size: int = 2000) -> Iterator[Sequence[Any]]:
        for page in self._pages(run_id, stream, types, from_position, until_position, batch_size):
            yield from readable_rows(page)

    def _pages(self, run_id: str | None, stream: str | None, types: Iterable[str] | None,
               from_position: int | None, until_position: int | None,
               batch_size: int) -> Iterator[list[tuple[Any, ...]]]:
        """Pages of driver rows in position order, each fetched in a short read transaction of
        its own (a long read never holds a snapshot open), continuing after the last position."""
        type_list = list(types) if types is not None else None
        if type_list is not None and not type_list:
            return
        filters: list[Any] = [v for v in (run_id, stream) if v is not None]
        filters += type_list or []
        if until_position is not None:
            filters.append(until_position)
        sql = statements.page_sql(self._mark, run_id=run_id is not None, stream=stream is not None,
                                  types=len(type_list or ()), until=until_position is not None)
        after = (from_position or 1) - 1
        while True:
            page = self._fetch_all(sql, [*filters, after, batch_size])
            if page:
                yield page
            if len(page) < batch_size:
                return
            after = page[-1][0]

    def _fetch_all(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Run one query on the driver's cursor in a read transaction; plain tuples back."""
        with self._tx(write=False) as conn:
            cursor = conn.cursor()
            try:
                cursor.execute(sql, params)
                return cursor.fetchall()
            except self._dbapi.Error as exc:
                raise self._driver_error(exc) from exc
            finally:
                cursor.close()

    def stream_version(self, run_id: str, stream: str) -> int:
        sql = statements.context_sql(self._mark, 1, False, False)
        return self._fetch_all(sql, [run_id, stream])[0][0] or 0

    def last_position(self) -> int:
        found = self._fetch_all(statements.LAST_POSITION_SQL, ())
        return found[0][0] if found else 0

    def run_summaries(self) -> list[RunSummary]:
        from datetime import datetime

        with self._tx(write=False) as conn:
            cursor = conn.cursor()
            cursor.execute(statements.RUN_GROUPS_SQL)
            groups = cursor.fetchall()
            times: dict[int, str] = {}
            ordered = sorted({p for g in groups for p in (g[2], g[3])})
            for i in range(0, len(ordered), 500):
                chunk = ordered[i:i + 500]
                cursor.execute(sql(statements.RECORDED_AT_SQL, self._mark, marks=", ".join([self._mark] * len(chunk))),
                               chunk)
                times.update(cursor.fetchall())
            cursor.close()
        return [RunSummary(run, n, first, last, datetime.fromisoformat(times[first]),
                           datetime.fromisoformat(times[last])) for run, n, first, last in groups]

    def run_bounds(self, run_id: str) -> tuple[int, int] | None:
        first, last = self._fetch_all(sql(statements.RUN_BOUNDS_SQL, self._mark), [run_id])[0]
        return None if first is None else (int(first), int(last))

    def rows_by_event_ids(self, event_ids: Sequence[str]) -> list[StoredRow]:
        with self._tx(write=False) as conn:
            cursor = conn.cursor()
            try:
                return self._rows_by_ids(cursor, event_ids)
            except self._dbapi.Error as exc:
                raise self._driver_error(exc) from exc
            finally:
                cursor.close()

    def _rows_by_ids(self, cursor: Any, event_ids: Sequence[str]) -> list[StoredRow]:
        out: list[StoredRow] = []
        ids = list(dict.fromkeys(event_ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            cursor.execute(statements.by_event_ids_sql(self._mark, len(chunk)), chunk)
            out.extend(stored_rows(cursor.fetchall()))
        return sorted(out, key=lambda r: r.position)

    # ---- snapshots and checkpoints ------------------------------------------------------------
    def _execute(self, *statements_and_params: tuple[str, Sequence[Any]]) -> None:
        """Run statements (templates of :mod:`statements`) in one transaction that never locks
        the events table."""
        with self._tx(write=True, lock_events=False) as conn:
            cursor = conn.cursor()
            for template, params in statements_and_params:
                cursor.execute(sql(template, self._mark), params)
            cursor.close()

    def save_snapshot(self, snapshot: Snapshot) -> None:
        key = [snapshot.run_id, snapshot.name, snapshot.position]
        self._execute((statements.DELETE_SNAPSHOT_SQL, key),
                      (statements.INSERT_SNAPSHOT_SQL, [*key, json.dumps(snapshot.state, separators=(",", ":"))]))

    def load_snapshot(self, run_id: str, name: str, at_or_before: int | None = None) -> Snapshot | None:
        until = f" AND position <= {self._mark}" if at_or_before is not None else ""
        params = [run_id, name] + ([at_or_before] if at_or_before is not None else [])
        found = self._fetch_all(sql(statements.LOAD_SNAPSHOT_SQL, self._mark, until=until), params)
        if not found:
            return None
        return Snapshot(run_id, name, found[0][0], json.loads(found[0][1]))

    def save_checkpoint(self, name: str, position: int) -> None:
        self._execute((statements.DELETE_CHECKPOINT_SQL, [name]), (statements.INSERT_CHECKPOINT_SQL, [name, position]))

    def load_checkpoint(self, name: str) -> int:
        found = self._fetch_all(sql(statements.LOAD_CHECKPOINT_SQL, self._mark), [name])
        return found[0][0] if found else 0
