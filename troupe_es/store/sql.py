"""The SQL event store: SQLite (embedded default, WAL) and PostgreSQL (psycopg 3), one code path.

Appenders are serialized until commit (``BEGIN IMMEDIATE`` on SQLite, an ``EXCLUSIVE`` table lock
on PostgreSQL, which still lets readers in), so positions are assigned gap-free and become visible
in order: a reader tailing by position never skips an event. The table rejects UPDATE and DELETE
through triggers; run heads, the store head, snapshots and checkpoints live in tables of their
own (the heads are written in each append's transaction, in the same round trip on PostgreSQL;
snapshots and checkpoints as upserts).

Opening creates whatever tables are missing, race-free (:mod:`troupe_es.store.ddl`); opening with
``readonly=True`` runs no DDL and no write at all (:mod:`troupe_es.store.engines`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError

from troupe_es.errors import (
    ConcurrencyError,
    ConfigurationError,
    DuplicateEventError,
    NotAStoreError,
    ReadOnlyStoreError,
    StoreError,
    StoreUnavailableError,
)
from troupe_es.events.envelope import NewEvent, Recorded
from troupe_es.store import ddl, schema, statements
from troupe_es.store.engines import is_readonly_error, postgres_engine, sqlite_engine
from troupe_es.store.base import (
    Clock,
    EventStore,
    RunSummary,
    Snapshot,
    check_envelope,
    idempotent_replay,
    utc_now,
)
from troupe_es.store.blobs import Blob, check_new_blob, checked_blob
from troupe_es.store.heads import RunHead, StoreHead, advance, check_append, signing_key
from troupe_es.store.rows import COMPRESS_ABOVE, OnCorrupt, StoredRow, encode_records, normalize_expected
from troupe_es.store.statements import readable_rows, row_params, rows_params, stored_rows

_E = schema.events


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(orig).strip().splitlines() if ln.strip()]
    return lines[0] if lines else type(orig).__name__


class SqlEventStore(EventStore):
    """Event store on SQLAlchemy 2 Core: ``sqlite:///path.db`` or ``postgresql+psycopg://...``.

    ``readonly`` opens an existing store without DDL or writes (any write raises
    :class:`ReadOnlyStoreError`); ``init`` lets a first write open add the store's tables to an
    SQLite database that already holds other tables (refused otherwise)."""

    def __init__(self, url: str, *, clock: Clock = utc_now, readonly: bool = False, init: bool = False) -> None:
        self.url = safe_url(url)
        self._clock = clock
        self.readonly = readonly
        self._init = init
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ConfigurationError(f"invalid store URL {url!r}: expected sqlite:///FILE or "
                                     "postgresql+psycopg://USER@HOST/DB") from exc
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ConfigurationError(f"unsupported store URL {self.url}: use sqlite:/// or postgresql+psycopg://")
        if self.dialect == "postgresql" and parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        if self.dialect == "sqlite":
            _check_sqlite_file(self.url, parsed.database, readonly)
        try:
            if self.dialect == "sqlite":
                self._engine = sqlite_engine(parsed, readonly=readonly, init=init)
            else:
                self._engine = postgres_engine(parsed, readonly=readonly)
        except NoSuchModuleError as exc:
            raise ConfigurationError(f"unsupported store driver in {self.url}: {exc}") from exc
        self._mark = "?" if self.dialect == "sqlite" else "%s"
        self._insert_sql = statements.insert_sql(self._mark)
        self._dbapi = self._engine.dialect.dbapi
        self._has_heads = True  # False only for a store from before heads, opened read-only
        self._ensure_schema()

    # ---- connection management ----------------------------------------------------------------
    @contextmanager
    def _tx(self, *, write: bool, lock_events: bool = True, snapshot: bool = False) -> Iterator[Connection]:
        """A transaction; ``write`` ones are serialized against every other appender; in a
        ``snapshot`` one every statement sees the same committed state (SQLite's read
        transactions always do; PostgreSQL's need REPEATABLE READ)."""
        if write and self.readonly:
            raise ReadOnlyStoreError(f"event store {self.url} is open read-only")
        try:
            with self._engine.connect() as conn:
                if write:
                    conn = conn.execution_options(troupe_write=True)
                elif snapshot and self.dialect == "postgresql":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    if write and lock_events and self.dialect == "postgresql":
                        conn.exec_driver_sql("LOCK TABLE troupe_events IN EXCLUSIVE MODE")
                    yield conn
        except IntegrityError:
            raise
        except DBAPIError as exc:
            if is_readonly_error(exc):
                raise ReadOnlyStoreError(f"event store {self.url} is read-only for this user "
                                         f"({_first_line(exc)})") from exc
            if exc.connection_invalidated or _is_operational(exc):
                raise StoreUnavailableError(f"event store {self.url} failed: {_first_line(exc)}") from exc
            raise

    def _ensure_schema(self) -> None:
        """Create what is missing of the store (write opens) or check, without writing, that the
        database holds a store this version can read (read-only opens)."""
        try:
            if self.readonly:
                with self._tx(write=False) as conn:
                    present = ddl.check_readable(conn, self.url)
                self._has_heads = schema.run_heads.name in present  # a store from before heads has none
            else:
                with self._tx(write=True, lock_events=False) as conn:
                    ddl.ensure_schema(conn, self.url, init=self._init)
        except StoreUnavailableError as exc:
            reason = str(exc).split(": ", 1)[-1]
            raise StoreUnavailableError(f"cannot open event store {self.url}: {reason}") from exc
        except DBAPIError as exc:
            raise StoreUnavailableError(f"cannot open event store {self.url}: {_first_line(exc)}") from exc

    @contextmanager
    def transaction(self, *, lock: str | None = None) -> Iterator[Connection]:
        """A write transaction for stored projections that keep tables beside the log (not
        serialized against appenders): ``BEGIN IMMEDIATE`` on SQLite; on PostgreSQL, holding the
        advisory lock ``lock`` (a name) until commit when one is given."""
        with self._tx(write=True, lock_events=False) as conn:
            if lock is not None:
                ddl.advisory_lock(conn, lock)
            yield conn

    def ensure_tables(self, *tables: Table) -> bool:
        """Create these tables beside the log if they do not exist (idempotent, race-free).
        A read-only store creates nothing; returns whether they all exist."""
        if self.readonly:
            with self._tx(write=False) as conn:
                return {t.name for t in tables} <= ddl.table_names(conn)
        with self.transaction() as conn:
            ddl.ensure_tables(conn, tables)
        return True

    def close(self) -> None:
        self._engine.dispose()

    # ---- writing ------------------------------------------------------------------------------
    def append(self, run_id: str, events: Sequence[NewEvent],
               expected_version: int | Mapping[str, int] | None = None) -> list[Recorded]:
        if not events:
            return []
        check_envelope(run_id, events)
        expected = normalize_expected(events, expected_version)
        with self._tx(write=True) as conn:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                first_id = events[0].event_id
                streams = list(dict.fromkeys([e.stream for e in events]))
                if expected is not None:
                    streams.extend(s for s in expected if s not in streams)
                top, previous, hit, current, run_head, store_head = self._batch_context(
                    cursor, run_id, first_id, streams)
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
                key = signing_key()
                mode = check_append(self.url, run_id, run_head, store_head, run_chain=previous, top=top, key=key)
                rows, records = encode_records(run_id, events, next_position=top + 1,
                                               stream_versions=current, previous_chain=previous,
                                               recorded_at=self._clock(), key=key)
                if run_head is not None:
                    before = run_head.events
                elif previous:  # a run written before heads existed: counted once
                    cursor.execute(statements.count_run_sql(self._mark), [run_id])
                    before = cursor.fetchone()[0]
                else:
                    before = 0
                self._insert_rows(cursor, rows)
                self._write_heads(cursor, *advance(run_id, run_head, store_head, rows, mode=mode,
                                                   events_before=before, key=key))
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

    def _batch_context(self, cursor: Any, run_id: str, first_id: str | None, streams: list[str]
                       ) -> tuple[int, str, int | None, dict[str, int], RunHead | None, StoreHead | None]:
        """Newest position, the run's last chain hash, the position of the first event id (if
        stored: a retried batch), each stream's version, the run head and the store head, in
        one round trip per 100 streams."""
        current: dict[str, int] = {}
        top = previous = hit = run_head = store_head = None
        step = statements.STREAMS_PER_QUERY
        for i in range(0, len(streams), step):
            chunk = streams[i:i + step]
            head = i == 0
            params: list[Any] = [run_id] if head else []
            if head and first_id is not None:
                params.append(first_id)
            for stream in chunk:
                params += (run_id, stream)
            if head:
                params.append(run_id)
            cursor.execute(statements.context_sql(self._mark, len(chunk), head, head and first_id is not None),
                           params)
            values = cursor.fetchone()
            if head:
                top, previous = values[0], values[1]
                at = 2
                if first_id is not None:
                    hit = values[2]
                    at = 3
                if values[at + 1] is not None:
                    run_head = RunHead(run_id, values[at], values[at + 1], values[at + 2], values[at + 3],
                                       bool(values[at + 4]), values[at + 5])
                if values[at + 6] is not None:
                    store_head = StoreHead(*values[at + 6:at + 12])
                values = values[at + 12:]
            current.update(zip(chunk, (v or 0 for v in values)))
        return top or 0, previous or "", hit, current, run_head, store_head

    def _write_heads(self, cursor: Any, run_head: RunHead, store_head: StoreHead) -> None:
        """Write both heads (in the append's transaction)."""
        h, s = run_head, store_head
        params = [h.run_id, h.last_position, h.last_chain, h.events, h.mode, int(h.sealed), h.mac,
                  1, s.runs, s.events, s.last_position, s.digest, s.mode, s.mac]
        sql = statements.heads_sql(self._mark, self.dialect == "postgresql")
        if len(sql) == 1:
            cursor.execute(sql[0], params)
        else:
            cursor.execute(sql[0], params[:7])
            cursor.execute(sql[1], params[7:])

    def _driver_error(self, exc: Exception) -> StoreError:
        """A driver exception raised outside SQLAlchemy, as a one-line store error."""
        message = f"event store {self.url} failed: {_first_line(exc)}"
        if is_readonly_error(exc):
            return ReadOnlyStoreError(message)
        if isinstance(exc, (self._dbapi.OperationalError, self._dbapi.InterfaceError)):
            return StoreUnavailableError(message)
        return StoreError(message)

    # ---- reading ------------------------------------------------------------------------------
    def iter_rows(self, *, run_id: str | None = None, stream: str | None = None,
                  types: Iterable[str] | None = None, from_position: int | None = None,
                  until_position: int | None = None, batch_size: int = 2000,
                  on_corrupt: OnCorrupt | None = None) -> Iterator[StoredRow]:
        for page in self._pages(run_id, stream, types, from_position, until_position, batch_size):
            yield from stored_rows(page, on_corrupt)

    def _decodable_rows(self, *, run_id: str | None = None, stream: str | None = None,
                        types: Iterable[str] | None = None, from_position: int | None = None,
                        until_position: int | None = None, batch_size: int = 2000,
                        on_corrupt: OnCorrupt | None = None) -> Iterator[Sequence[Any]]:
        for page in self._pages(run_id, stream, types, from_position, until_position, batch_size):
            yield from readable_rows(page, on_corrupt)

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
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
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
        with self._tx(write=False) as conn:
            return conn.execute(select(func.max(_E.c.position))).scalar() or 0

    def run_summaries(self) -> list[RunSummary]:
        from datetime import datetime

        with self._tx(write=False) as conn:
            groups = conn.execute(
                select(_E.c.run_id, func.count(), func.min(_E.c.position), func.max(_E.c.position))
                .group_by(_E.c.run_id).order_by(func.min(_E.c.position))).all()
            ends = {p for g in groups for p in (g[2], g[3])}
            times: dict[int, str] = {}
            ordered = sorted(ends)
            for i in range(0, len(ordered), 500):
                chunk = ordered[i:i + 500]
                times.update(conn.execute(select(_E.c.position, _E.c.recorded_at)
                                          .where(_E.c.position.in_(chunk))).all())
        return [RunSummary(run, n, first, last, datetime.fromisoformat(times[first]),
                           datetime.fromisoformat(times[last])) for run, n, first, last in groups]

    def rows_by_event_ids(self, event_ids: Sequence[str]) -> list[StoredRow]:
        with self._tx(write=False) as conn:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
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

    def run_heads(self, run_id: str | None = None) -> list[RunHead]:
        with self._tx(write=False) as conn:
            return self._run_heads(conn, run_id)

    def store_head(self) -> StoreHead | None:
        with self._tx(write=False) as conn:
            return self._store_head(conn)

    def heads(self) -> tuple[list[RunHead], StoreHead | None]:
        if not self._has_heads:
            return [], None
        with self._tx(write=False, snapshot=True) as conn:
            return self._run_heads(conn, None), self._store_head(conn)

    def _run_heads(self, conn: Connection, run_id: str | None) -> list[RunHead]:
        h = schema.run_heads
        query = select(h.c.run_id, *(h.c[c] for c in statements.HEAD_COLUMNS)).order_by(h.c.last_position)
        if run_id is not None:
            query = query.where(h.c.run_id == run_id)
        return [RunHead(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6]) for r in conn.execute(query).all()]

    def _store_head(self, conn: Connection) -> StoreHead | None:
        s = schema.store_head
        row = conn.execute(select(*(s.c[c] for c in statements.STORE_HEAD_COLUMNS)).where(s.c.id == 1)).first()
        return StoreHead(*row) if row is not None else None

    # ---- snapshots and checkpoints ------------------------------------------------------------
    def save_snapshot(self, snapshot: Snapshot) -> None:
        with self.transaction() as conn:
            ddl.upsert(conn, schema.snapshots, {
                "run_id": snapshot.run_id, "name": snapshot.name, "position": snapshot.position,
                "state": json.dumps(snapshot.state, separators=(",", ":"))}, keys=("run_id", "name", "position"))

    def load_snapshot(self, run_id: str, name: str, at_or_before: int | None = None) -> Snapshot | None:
        s = schema.snapshots
        query = select(s.c.position, s.c.state).where(s.c.run_id == run_id, s.c.name == name)
        if at_or_before is not None:
            query = query.where(s.c.position <= at_or_before)
        with self._tx(write=False) as conn:
            row = conn.execute(query.order_by(s.c.position.desc()).limit(1)).first()
        if row is None:
            return None
        return Snapshot(run_id, name, row[0], json.loads(row[1]))

    def save_checkpoint(self, name: str, position: int) -> None:
        with self.transaction() as conn:
            ddl.upsert(conn, schema.checkpoints, {"name": name, "position": position}, keys=("name",))

    def load_checkpoint(self, name: str) -> int:
        c = schema.checkpoints
        with self._tx(write=False) as conn:
            return conn.execute(select(c.c.position).where(c.c.name == name)).scalar() or 0

    # ---- blobs --------------------------------------------------------------------------------
    def put_blob(self, data: bytes, media_type: str) -> str:
        sha256 = check_new_blob(data, media_type)
        b = schema.blobs
        with self._tx(write=False) as conn:  # already there: no write transaction at all
            if self._blobs_readable(conn) and conn.execute(select(b.c.size).where(b.c.sha256 == sha256)).first():
                return sha256
        with self.transaction() as conn:
            ddl.upsert(conn, schema.blobs, {"sha256": sha256, "media_type": media_type, "size": len(data),
                                            "data": bytes(data)}, keys=("sha256",), update=False)
        return sha256

    def get_blob(self, sha256: str) -> Blob | None:
        b = schema.blobs
        with self._tx(write=False) as conn:
            if not self._blobs_readable(conn):
                return None
            row = conn.execute(select(b.c.media_type, b.c.data).where(b.c.sha256 == sha256)).first()
        return None if row is None else checked_blob(sha256, row[0], row[1])

    def blob_hashes(self) -> list[str]:
        b = schema.blobs
        with self._tx(write=False) as conn:
            if not self._blobs_readable(conn):
                return []
            return list(conn.execute(select(b.c.sha256).order_by(b.c.sha256)).scalars())

    def _blobs_readable(self, conn: Connection) -> bool:
        """Whether the blob table exists (a store from before blobs, opened read-only, has none)."""
        if not self.readonly:
            return True
        return schema.blobs.name in ddl.table_names(conn)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for stored projections that keep tables beside the log)."""
        return self._engine


def _check_sqlite_file(url: str, database: str | None, readonly: bool) -> None:
    """A read-only open needs the file; a write open, a file this process may write (SQLite
    would open a read-only file read-only and only fail at the first write)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    exists = os.path.exists(database)
    if readonly and not exists:
        raise NotAStoreError(f"no event store at {url}: {database} does not exist")
    if not readonly and exists and not os.access(database, os.W_OK):
        raise ReadOnlyStoreError(f"event store {url} is read-only for this user (the file is not writable)")


def _is_operational(exc: DBAPIError) -> bool:
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError))
