"""The SQL event store: SQLite (embedded default, WAL) and PostgreSQL (psycopg 3), one code path.

Appenders are serialized until commit (``BEGIN IMMEDIATE`` on SQLite, an ``EXCLUSIVE`` table lock
on PostgreSQL, which still lets readers in), so positions are assigned gap-free and become visible
in order: a reader tailing by position never skips an event. The table rejects UPDATE and DELETE
through triggers; snapshots and checkpoints live in tables of their own.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, bindparam, create_engine, event, func, insert, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError

from troupe_es.errors import (
    ConcurrencyError,
    ConfigurationError,
    CorruptEventError,
    DuplicateEventError,
    SchemaVersionError,
    StoreUnavailableError,
)
from troupe_es.events.envelope import NewEvent, Recorded
from troupe_es.store import schema
from troupe_es.store.base import (
    Clock,
    EventStore,
    RunSummary,
    Snapshot,
    idempotent_replay,
    utc_now,
)
from troupe_es.store.rows import (
    StoredRow,
    compress_payload,
    decompress_payload,
    encode_batch,
    normalize_expected,
    recorded_from_rows,
)

_E = schema.events
_ROW_COLUMNS = (_E.c.position, _E.c.run_id, _E.c.stream, _E.c.stream_version, _E.c.event_id,
                _E.c.causation_id, _E.c.type, _E.c.schema_version, _E.c.sim_time, _E.c.recorded_at,
                _E.c.content_hash, _E.c.chain_hash, _E.c.payload, _E.c.payload_z)


# Statements built once (their compiled form is cached by SQLAlchemy): the append hot path.
_HEAD = select(
    select(func.max(_E.c.position)).scalar_subquery(),
    select(_E.c.chain_hash).where(_E.c.run_id == bindparam("run_id"))
    .order_by(_E.c.position.desc()).limit(1).scalar_subquery())
_VERSIONS = (select(_E.c.stream, func.max(_E.c.stream_version))
             .where(_E.c.run_id == bindparam("run_id"), _E.c.stream.in_(bindparam("streams", expanding=True)))
             .group_by(_E.c.stream))
_BY_EVENT_ID = select(_E.c.position).where(_E.c.event_id == bindparam("event_id"))


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
    """Event store on SQLAlchemy 2 Core: ``sqlite:///path.db`` or ``postgresql+psycopg://...``."""

    def __init__(self, url: str, *, clock: Clock = utc_now) -> None:
        self.url = safe_url(url)
        self._clock = clock
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
        try:
            self._engine = self._create_engine(parsed)
        except NoSuchModuleError as exc:
            raise ConfigurationError(f"unsupported store driver in {self.url}: {exc}") from exc
        mark = "?" if self.dialect == "sqlite" else "%s"
        self._insert_sql = (f"INSERT INTO troupe_events ({', '.join(c.name for c in _ROW_COLUMNS)}) "
                            f"VALUES ({', '.join([mark] * len(_ROW_COLUMNS))})")
        self._copy_sql = f"COPY troupe_events ({', '.join(c.name for c in _ROW_COLUMNS)}) FROM STDIN"
        self._ensure_schema()

    # ---- connection management ----------------------------------------------------------------
    def _create_engine(self, parsed: Any) -> Engine:
        if self.dialect == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": 60, "check_same_thread": False})

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA busy_timeout=60000")
                cur.close()

            @event.listens_for(engine, "begin")
            def _sqlite_begin(conn: Connection) -> None:
                immediate = conn.get_execution_options().get("troupe_write", False)
                conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

            return engine
        return create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True)

    @contextmanager
    def _tx(self, *, write: bool, lock_events: bool = True) -> Iterator[Connection]:
        """A transaction; ``write`` ones are serialized against every other appender."""
        try:
            with self._engine.connect() as conn:
                if write:
                    conn = conn.execution_options(troupe_write=True)
                with conn.begin():
                    if write and lock_events and self.dialect == "postgresql":
                        conn.exec_driver_sql("LOCK TABLE troupe_events IN EXCLUSIVE MODE")
                    yield conn
        except IntegrityError:
            raise
        except DBAPIError as exc:
            if exc.connection_invalidated or _is_operational(exc):
                raise StoreUnavailableError(f"event store {self.url} failed: {_first_line(exc)}") from exc
            raise

    def _ensure_schema(self) -> None:
        try:
            with self._tx(write=True, lock_events=False) as conn:
                if self.dialect == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(74657301)")
                schema.metadata.create_all(conn, checkfirst=True)
                for ddl in (schema.SQLITE_TRIGGERS if self.dialect == "sqlite" else schema.POSTGRES_TRIGGERS):
                    conn.exec_driver_sql(ddl)
                stored = conn.execute(select(schema.meta.c.value).where(
                    schema.meta.c.key == "schema_version")).scalar()
                if stored is None:
                    conn.execute(insert(schema.meta).values(key="schema_version",
                                                            value=str(schema.SCHEMA_VERSION)))
                elif int(stored) > schema.SCHEMA_VERSION:
                    raise SchemaVersionError(
                        f"event store {self.url} has schema v{stored}, newer than this troupe-es "
                        f"supports (v{schema.SCHEMA_VERSION}); upgrade troupe-es")
        except StoreUnavailableError as exc:
            raise StoreUnavailableError(f"cannot open event store {self.url}: "
                                        f"{str(exc).split(': ', 1)[-1]}") from exc
        except DBAPIError as exc:
            raise StoreUnavailableError(f"cannot open event store {self.url}: {_first_line(exc)}") from exc

    def close(self) -> None:
        self._engine.dispose()

    # ---- writing ------------------------------------------------------------------------------
    def append(self, run_id: str, events: Sequence[NewEvent],
               expected_version: int | Mapping[str, int] | None = None) -> list[Recorded]:
        if not events:
            return []
        expected = normalize_expected(events, expected_version)
        try:
            with self._tx(write=True) as conn:
                first_id = events[0].event_id
                if first_id is not None:
                    hit = conn.execute(_BY_EVENT_ID, {"event_id": first_id}).first()
                    if hit is not None:
                        ids = [e.event_id for e in events if e.event_id]
                        replayed = idempotent_replay(self._rows_by_ids(conn, ids), events)
                        if replayed is not None:
                            return replayed
                next_position, previous, current = self._batch_context(conn, run_id, events)
                if expected is not None:
                    for stream, want in expected.items():
                        have = current.get(stream)
                        if have is None:
                            have = conn.execute(select(func.max(_E.c.stream_version)).where(
                                _E.c.run_id == run_id, _E.c.stream == stream)).scalar() or 0
                        if have != want:
                            raise ConcurrencyError(
                                f"stream {stream!r} of run {run_id} is at version {have}, expected {want}")
                rows = encode_batch(run_id, events, next_position=next_position,
                                    stream_versions=current, previous_chain=previous,
                                    recorded_at=self._clock())
                self._insert_rows(conn, rows)
        except IntegrityError as exc:
            raise DuplicateEventError(
                f"batch for run {run_id} collides with stored events: {_first_line(exc)}") from exc
        return recorded_from_rows(rows, events)

    def _insert_rows(self, conn: Connection, rows: list[StoredRow]) -> None:
        """Insert encoded rows: COPY on PostgreSQL (one round trip), executemany on SQLite."""
        params = [_row_params(r) for r in rows]
        if self.dialect != "postgresql" or len(params) < 4:
            conn.exec_driver_sql(self._insert_sql, params)
            return
        import psycopg

        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(self._copy_sql) as copy:
                for row in params:
                    copy.write_row(row)
        except psycopg.errors.IntegrityError as exc:
            raise DuplicateEventError(f"batch for run {rows[0].run_id} collides with stored events: "
                                      f"{_first_line(exc)}") from exc
        finally:
            cursor.close()

    @staticmethod
    def _batch_context(conn: Connection, run_id: str,
                       events: Sequence[NewEvent]) -> tuple[int, str, dict[str, int]]:
        """Next position, the run's last chain hash and each stream's version: two round trips."""
        top, previous = conn.execute(_HEAD, {"run_id": run_id}).one()
        streams = list(dict.fromkeys(e.stream for e in events))
        current = dict.fromkeys(streams, 0)
        found = conn.execute(_VERSIONS, {"run_id": run_id, "streams": streams}).all()
        current.update({stream: version for stream, version in found})
        return (top or 0) + 1, previous or "", current

    # ---- reading ------------------------------------------------------------------------------
    def iter_rows(self, *, run_id: str | None = None, stream: str | None = None,
                  types: Iterable[str] | None = None, from_position: int | None = None,
                  until_position: int | None = None, batch_size: int = 2000) -> Iterator[StoredRow]:
        conditions = []
        if run_id is not None:
            conditions.append(_E.c.run_id == run_id)
        if stream is not None:
            conditions.append(_E.c.stream == stream)
        if types is not None:
            conditions.append(_E.c.type.in_(list(types)))
        if until_position is not None:
            conditions.append(_E.c.position <= until_position)
        after = (from_position or 1) - 1
        query = select(*_ROW_COLUMNS).where(*conditions).order_by(_E.c.position).limit(batch_size)
        while True:
            with self._tx(write=False) as conn:
                page = conn.execute(query.where(_E.c.position > after)).all()
            for raw in page:
                yield _stored_row(raw)
            if len(page) < batch_size:
                return
            after = page[-1][0]

    def stream_version(self, run_id: str, stream: str) -> int:
        with self._tx(write=False) as conn:
            return conn.execute(select(func.max(_E.c.stream_version)).where(
                _E.c.run_id == run_id, _E.c.stream == stream)).scalar() or 0

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
            return self._rows_by_ids(conn, event_ids)

    @staticmethod
    def _rows_by_ids(conn: Connection, event_ids: Sequence[str]) -> list[StoredRow]:
        out: list[StoredRow] = []
        ids = list(dict.fromkeys(event_ids))
        for i in range(0, len(ids), 500):
            out.extend(_stored_row(r) for r in conn.execute(
                select(*_ROW_COLUMNS).where(_E.c.event_id.in_(ids[i:i + 500]))))
        return sorted(out, key=lambda r: r.position)

    # ---- snapshots and checkpoints ------------------------------------------------------------
    def save_snapshot(self, snapshot: Snapshot) -> None:
        s = schema.snapshots
        with self._tx(write=False) as conn:
            conn.execute(s.delete().where(s.c.run_id == snapshot.run_id, s.c.name == snapshot.name,
                                          s.c.position == snapshot.position))
            conn.execute(insert(s).values(run_id=snapshot.run_id, name=snapshot.name,
                                          position=snapshot.position,
                                          state=json.dumps(snapshot.state, separators=(",", ":"))))

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
        c = schema.checkpoints
        with self._tx(write=False) as conn:
            conn.execute(c.delete().where(c.c.name == name))
            conn.execute(insert(c).values(name=name, position=position))

    def load_checkpoint(self, name: str) -> int:
        c = schema.checkpoints
        with self._tx(write=False) as conn:
            return conn.execute(select(c.c.position).where(c.c.name == name)).scalar() or 0

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for stored projections that keep tables beside the log)."""
        return self._engine


def _is_operational(exc: DBAPIError) -> bool:
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError))


def _row_params(row: StoredRow) -> tuple[Any, ...]:
    """Positional parameters in ``_ROW_COLUMNS`` order."""
    payload, blob = compress_payload(row.payload)
    return (row.position, row.run_id, row.stream, row.stream_version, row.event_id,
            row.causation_id, row.type, row.schema_version, row.sim_time, row.recorded_at,
            row.content_hash, row.chain_hash, payload, blob)


def _stored_row(raw: Any) -> StoredRow:
    (position, run_id, stream, stream_version, event_id, causation_id, type_, schema_version,
     sim_time, recorded_at, c_hash, ch_hash, payload, payload_z) = raw
    if payload is None:
        try:
            payload = decompress_payload(None, payload_z)
        except (ValueError, zlib.error) as exc:
            raise CorruptEventError(f"event at position {position} ({type_}) has an unreadable "
                                    f"payload: {exc}", position=position, type=type_) from exc
    return StoredRow(position, run_id, stream, stream_version, event_id, causation_id, type_,
                     schema_version, sim_time, recorded_at, c_hash, ch_hash, payload)
