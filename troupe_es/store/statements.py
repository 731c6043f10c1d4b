"""Hand-written SQL for the SQL store's hot paths, and the conversions between rows and tuples.

Appending and reading bypass SQLAlchemy's statement compilation and row processing: the
statements below are plain text for the driver (``?`` marks for sqlite3, ``%s`` for psycopg)
and rows travel as plain tuples. Every statement is portable between SQLite and PostgreSQL and
is answered from an index (the primary key, ``(run_id, stream, stream_version)``,
``(run_id, position)`` or ``event_id``), so its cost does not grow with the log.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from troupe_es.errors import CorruptEventError
from troupe_es.store.rows import COMPRESS_ABOVE, OnCorrupt, StoredRow, compress_payload, decompress_payload

COLUMNS = ("position", "run_id", "stream", "stream_version", "event_id", "causation_id", "type",
           "schema_version", "sim_time", "recorded_at", "content_hash", "chain_hash", "payload",
           "payload_z")
"""Columns of ``troupe_events`` in :class:`StoredRow` order, then the compressed payload."""

_COLUMN_LIST = ", ".join(COLUMNS)
STREAMS_PER_QUERY = 100
"""Streams whose versions one context query asks for (longer batches take more queries)."""


ROWS_PER_INSERT = 250 if sqlite3.sqlite_version_info >= (3, 32) else 64
"""Rows per multi-row ``INSERT`` on SQLite: 250 x 13 parameters (SQLite >= 3.32 allows 32,766),
or 64 x 13 under the 999 of older versions."""


def insert_sql(mark: str) -> str:
    """``INSERT`` of one whole row, for ``executemany``."""
    return f"INSERT INTO troupe_events ({_COLUMN_LIST}) VALUES ({', '.join([mark] * len(COLUMNS))})"


@lru_cache(maxsize=8)
def insert_plain_sql(mark: str, rows: int) -> str:
    """``INSERT`` of ``rows`` rows with uncompressed payloads: a :class:`StoredRow` is exactly
    one row's parameters. One statement for many rows costs SQLite less than one per row."""
    one = f"({', '.join([mark] * (len(COLUMNS) - 1))})"
    return f"INSERT INTO troupe_events ({', '.join(COLUMNS[:-1])}) VALUES {', '.join([one] * rows)}"


COPY_SQL = f"COPY troupe_events ({_COLUMN_LIST}) FROM STDIN"


HEAD_COLUMNS = ("last_position", "last_chain", "events", "mode", "sealed", "mac")
"""Columns of ``troupe_run_heads`` after ``run_id``, in :class:`RunHead` order."""
STORE_HEAD_COLUMNS = ("runs", "events", "last_position", "digest", "mode", "mac")
"""Columns of ``troupe_store_head`` after ``id``, in :class:`StoreHead` order."""


@lru_cache(maxsize=256)
def context_sql(mark: str, streams: int, head: bool, by_event_id: bool) -> str:
    """One round trip for what an append needs to know, every value an index lookup.

    With ``head``: the newest position, the run's last chain hash, then (after the event id's
    position, if asked for) the run's head and the store head (NULLs when absent); with
    ``by_event_id``: the position of the batch's first event id (a retried batch); then the
    current version of each of ``streams`` streams. Parameters, in order: run id; event id;
    (run id, stream) per stream; run id again (for the run head).
    """
    parts = []
    if head:
        parts.append("(SELECT position FROM troupe_events ORDER BY position DESC LIMIT 1)")
        parts.append(f"(SELECT chain_hash FROM troupe_events WHERE run_id = {mark} "
                     "ORDER BY position DESC LIMIT 1)")
    if by_event_id:
        parts.append(f"(SELECT position FROM troupe_events WHERE event_id = {mark})")
    if head:
        parts.extend(f"h.{c}" for c in HEAD_COLUMNS)
        parts.extend(f"s.{c}" for c in STORE_HEAD_COLUMNS)
    # ORDER BY ... LIMIT 1 rather than max(): one backward index step even when the planner's
    # statistics are stale (PostgreSQL may otherwise aggregate over the stream's whole range).
    version = (f"(SELECT stream_version FROM troupe_events WHERE run_id = {mark} AND stream = {mark} "
               "ORDER BY stream_version DESC LIMIT 1)")
    parts.extend([version] * streams)
    sql = "SELECT " + ", ".join(parts)
    if head:
        sql += (f" FROM (SELECT 1 AS one) AS x LEFT JOIN troupe_run_heads h ON h.run_id = {mark}"
                " LEFT JOIN troupe_store_head s ON s.id = 1")
    return sql


def count_run_sql(mark: str) -> str:
    """How many events a run has (for a run written before heads existed, once)."""
    return f"SELECT count(*) FROM troupe_events WHERE run_id = {mark}"


def _upsert(table: str, key: str, columns: tuple[str, ...], mark: str) -> str:
    names = (key, *columns)
    return (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in columns)}")


@lru_cache(maxsize=4)
def heads_sql(mark: str, one_statement: bool) -> tuple[str, ...]:
    """The statements writing a run head then the store head; parameters: the run head's row,
    then the store head's (``id`` 1 first). PostgreSQL takes both in one statement (one round
    trip); SQLite, which has no data-modifying ``WITH``, in two."""
    run = _upsert("troupe_run_heads", "run_id", HEAD_COLUMNS, mark)
    store = _upsert("troupe_store_head", "id", STORE_HEAD_COLUMNS, mark)
    if one_statement:
        return (f"WITH run_head AS ({run} RETURNING 1) {store}",)
    return run, store


def page_sql(mark: str, *, run_id: bool, stream: bool, types: int, until: bool) -> str:
    """A page of rows after a position, in position order: ``(filters..., after, limit)``.

    Parameters, in order: run id, stream, each type, until position (those asked for), then
    the exclusive lower position bound and the page size.
    """
    where = []
    if run_id:
        where.append(f"run_id = {mark}")
    if stream:
        where.append(f"stream = {mark}")
    if types:
        where.append(f"type IN ({', '.join([mark] * types)})")
    if until:
        where.append(f"position <= {mark}")
    where.append(f"position > {mark}")
    return (f"SELECT {_COLUMN_LIST} FROM troupe_events WHERE {' AND '.join(where)} "
            f"ORDER BY position LIMIT {mark}")


def by_event_ids_sql(mark: str, count: int) -> str:
    """Rows carrying any of ``count`` event ids."""
    return f"SELECT {_COLUMN_LIST} FROM troupe_events WHERE event_id IN ({', '.join([mark] * count)})"


def row_params(row: StoredRow) -> tuple[Any, ...]:
    """Insert parameters of a row, in :data:`COLUMNS` order (long payloads compressed)."""
    if len(row.payload) <= COMPRESS_ABOVE:
        return row + (None,)
    text, blob = compress_payload(row.payload)
    return row[:12] + (text, blob)


def rows_params(rows: Sequence[StoredRow]) -> list[tuple[Any, ...]]:
    """:func:`row_params` of every row."""
    limit = COMPRESS_ABOVE
    return [row + (None,) if len(row.payload) <= limit else row_params(row) for row in rows]


_new_row = tuple.__new__


def stored_rows(raw_rows: Sequence[tuple[Any, ...]], on_corrupt: OnCorrupt | None = None) -> Iterable[StoredRow]:
    """Rows fetched with :data:`COLUMNS` as :class:`StoredRow`, compressed payloads inflated:
    a list, or with ``on_corrupt`` an iterator that reports a payload that cannot be inflated
    when its turn comes (in position order) and leaves it out. Without, that raises
    :class:`CorruptEventError`."""
    if on_corrupt is not None:
        return _inflating(raw_rows, on_corrupt)
    out = []
    append = out.append
    for raw in raw_rows:
        if raw[12] is not None:
            append(_new_row(StoredRow, raw[:13]))
        else:
            append(_inflated(raw))
    return out


def readable_rows(raw_rows: list[tuple[Any, ...]],
                  on_corrupt: OnCorrupt | None = None) -> Iterable[tuple[Any, ...]]:
    """Driver rows whose 13th item is the payload text: the page itself when nothing in it was
    compressed (the common case, no copy), else :func:`stored_rows` of it."""
    for raw in raw_rows:
        if raw[12] is None:
            return stored_rows(raw_rows, on_corrupt)
    return raw_rows


def _inflating(raw_rows: Sequence[tuple[Any, ...]], on_corrupt: OnCorrupt) -> Iterator[StoredRow]:
    for raw in raw_rows:
        row = _new_row(StoredRow, raw[:13]) if raw[12] is not None else _inflated(raw, on_corrupt)
        if row is not None:
            yield row


def _inflated(raw: tuple[Any, ...], on_corrupt: OnCorrupt | None = None) -> StoredRow | None:
    position, type_ = raw[0], raw[6]
    try:
        payload = decompress_payload(None, raw[13])
    except (ValueError, zlib.error, UnicodeDecodeError) as exc:
        error = CorruptEventError(f"event at position {position} ({type_}) has an unreadable payload: {exc}",
                                  position=position, type=type_, run_id=raw[1])
        if on_corrupt is None:
            raise error from exc
        on_corrupt(error)
        return None
    return _new_row(StoredRow, raw[:12] + (payload,))
