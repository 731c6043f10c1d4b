"""The storage form of an event, shared by every backend: encoding, hashing and decoding.

A :class:`StoredRow` is exactly what a backend persists. :func:`encode_batch` turns new events
into rows (assigning positions, stream versions, content and chain hashes) as a pure function of
its inputs; :func:`decode_row` turns a row back into a typed :class:`Recorded`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Callable, NamedTuple

import orjson

from troupe_es.errors import CorruptEventError
from troupe_es.events.canonical import ChainKey, iso_utc, quote, to_utc
from troupe_es.events.base import event_class
from troupe_es.events.codec import decode_event
from troupe_es.events.envelope import NewEvent, Recorded
from troupe_es.store.payloads import is_plain, payload_texts

OnCorrupt = Callable[[CorruptEventError], None]
"""Called with each undecodable row's error by reads that go on past it (``on_corrupt=``)."""

COMPRESS_ABOVE = 4096
"""Payloads longer than this many characters are stored zlib-compressed (transparently)."""

_COMPRESSED_MARK = b"z1:"


class StoredRow(NamedTuple):
    """One row of the events table, as every backend stores it."""

    position: int
    run_id: str
    stream: str
    stream_version: int
    event_id: str
    causation_id: str | None
    type: str
    schema_version: int
    sim_time: str | None
    recorded_at: str
    content_hash: str
    chain_hash: str
    payload: str


def compress_payload(payload: str) -> tuple[str | None, bytes | None]:
    """Split a payload into (text, compressed bytes): exactly one of the two is set."""
    if len(payload) <= COMPRESS_ABOVE:
        return payload, None
    return None, _COMPRESSED_MARK + zlib.compress(payload.encode("utf-8"), 6)


def decompress_payload(text: str | None, blob: bytes | None) -> str:
    """Inverse of :func:`compress_payload`."""
    if text is not None:
        return text
    if blob is None:
        raise ValueError("row has neither payload text nor compressed payload")
    blob = bytes(blob)
    if not blob.startswith(_COMPRESSED_MARK):
        raise ValueError("compressed payload has an unknown format")
    return zlib.decompress(blob[len(_COMPRESSED_MARK):]).decode("utf-8")


_PROCESS_TAG = os.urandom(6).hex()
_COUNTER = itertools.count()


def _new_process_tag() -> None:
    global _PROCESS_TAG, _COUNTER
    _PROCESS_TAG = os.urandom(6).hex()
    _COUNTER = itertools.count()


os.register_at_fork(after_in_child=_new_process_tag)  # forked children must not reuse the tag


def new_event_id() -> str:
    """A fresh event id: 32 hex characters — a millisecond timestamp, a random per-process tag and
    a counter — so ids are unique and ids written together sort together (cheap index inserts)."""
    return f"{time.time_ns() // 1_000_000:012x}{_PROCESS_TAG}{next(_COUNTER) & 0xFFFFFFFF:08x}"


def encode_batch(run_id: str, events: Sequence[NewEvent], *, next_position: int,
                 stream_versions: Mapping[str, int], previous_chain: str,
                 recorded_at: datetime, key: bytes | None = None) -> list[StoredRow]:
    """Encode a batch into rows. Pure: positions continue from ``next_position``, each stream's
    versions from ``stream_versions`` (0 for a new stream) and the run's chain from
    ``previous_chain`` ("" for a new run); with ``key``, chain links are HMAC-SHA256."""
    return encode_records(run_id, events, next_position=next_position, stream_versions=stream_versions,
                          previous_chain=previous_chain, recorded_at=recorded_at, key=key)[0]


def encode_records(run_id: str, events: Sequence[NewEvent], *, next_position: int,
                   stream_versions: Mapping[str, int], previous_chain: str,
                   recorded_at: datetime, key: bytes | None = None) -> tuple[list[StoredRow], list[Recorded]]:
    """:func:`encode_batch`, plus the :class:`Recorded` of each row (built from the events in
    hand, nothing decoded): what ``append`` stores and what it returns, in one pass.

    The hot path of ``append``: the texts hashed here are exactly those of
    :func:`troupe_es.events.canonical.content_hash`, :func:`record_hash` and :func:`chain_hash`
    (a test checks they agree), built without re-encoding the payload. What a run of events
    shares (stream, type, simulated time) is formatted once per batch.
    """
    versions = dict(stream_versions)
    recorded = iso_utc(recorded_at)
    assert recorded is not None
    recorded_dt = datetime.fromisoformat(recorded)
    shared: dict[tuple[str, type, datetime | None], tuple[str, int, str, str, str | None, datetime | None]] = {}
    rows: list[StoredRow] = []
    records: list[Recorded] = []
    add_row = rows.append
    add_record = records.append
    sha = hashlib.sha256
    dumps = orjson.dumps
    sort = orjson.OPT_SORT_KEYS
    fast = _FAST
    counter = _COUNTER
    id_prefix = f"{time.time_ns() // 1_000_000:012x}{_PROCESS_TAG}"
    run_part = f"\x1f{run_id}\x1f"
    keyed = ChainKey(key).hexdigest if key is not None else None
    chain = previous_chain
    position = next_position
    for new in events:
        event = new.event
        cls = event.__class__
        if fast.get(cls):
            data = event.__dict__.copy()
            del data["type"]
            try:
                payload_json = hashed_json = dumps(data, option=sort).decode()
            except TypeError:
                payload_json, hashed_json = payload_texts(event)
        else:
            payload_json, hashed_json = payload_texts(event)
            if cls not in fast:
                fast[cls] = is_plain(cls) and not cls.volatile_fields
        stream = new.stream
        version = versions.get(stream, 0) + 1
        versions[stream] = version
        key = (stream, cls, new.sim_time)
        parts = shared.get(key)
        if parts is None:
            parts = shared[key] = _shared_parts(stream, event.type, cls.schema_version, new.sim_time, recorded)
        type_, schema_version, content_tail, record_mid, sim_time, sim_time_dt = parts
        c_hash = sha(f'{{"payload":{hashed_json}{content_tail}'.encode()).hexdigest()
        event_id = new.event_id or f"{id_prefix}{next(counter) & 0xFFFFFFFF:08x}"
        causation = new.causation_id
        link = chain + sha(f"{position}{run_part}{stream}\x1f{version}\x1f{event_id}\x1f"
                           f"{causation or ''}{record_mid}{c_hash}\x1f{payload_json}".encode()).hexdigest()
        chain = sha(link.encode()).hexdigest() if keyed is None else keyed(link.encode())
        add_row(_new_row(StoredRow, (position, run_id, stream, version, event_id, causation, type_,
                                     schema_version, sim_time, recorded, c_hash, chain, payload_json)))
        add_record(_new_row(Recorded, (position, run_id, stream, version, event_id, causation, sim_time_dt,
                                       recorded_dt, c_hash, chain, event)))
        position += 1
    return rows, records


_FAST: dict[type, bool] = {}
"""Event classes whose payload text is built straight from the instance (plain fields, none
volatile; see :mod:`troupe_es.store.payloads`)."""


def _shared_parts(stream: str, type_: str, schema_version: int, sim_time: datetime | None,
                  recorded: str) -> tuple[str, int, str, str, str | None, datetime | None]:
    """What events of one stream, type and simulated time share: the type tag and schema
    version, the content text after the payload, the record text from the type to the content
    hash, and the simulated time as stored and as returned."""
    iso = iso_utc(sim_time)
    content_tail = (f',"schema_version":{schema_version},"sim_time":{quote(iso)},"stream":{quote(stream)}'
                    f',"type":{quote(type_)}}}')
    record_mid = f"\x1f{type_}\x1f{schema_version}\x1f{iso or ''}\x1f{recorded}\x1f"
    return (type_, schema_version, content_tail, record_mid, iso,
            to_utc(sim_time) if sim_time is not None else None)


_new_row = tuple.__new__


def decode_row(row: StoredRow) -> Recorded:
    """Decode a stored row into a typed :class:`Recorded`; a corrupt row raises
    :class:`CorruptEventError` naming its position, type and run."""
    try:
        event = decode_event(row.type, row.schema_version, row.payload, position=row.position)
        sim_time = datetime.fromisoformat(row.sim_time) if row.sim_time else None
        recorded_at = datetime.fromisoformat(row.recorded_at)
    except CorruptEventError as exc:
        exc.run_id = row.run_id
        raise
    except (ValueError, TypeError) as exc:
        raise CorruptEventError(f"event at position {row.position} ({row.type}) has an unreadable "
                                f"timestamp: {exc}", position=row.position, type=row.type,
                                run_id=row.run_id) from exc
    return Recorded(
        position=row.position,
        run_id=row.run_id,
        stream=row.stream,
        stream_version=row.stream_version,
        event_id=row.event_id,
        causation_id=row.causation_id,
        sim_time=sim_time,
        recorded_at=recorded_at,
        content_hash=row.content_hash,
        chain_hash=row.chain_hash,
        event=event,
    )


def _decode_slowly(row: Sequence[Any], on_corrupt: OnCorrupt | None) -> Recorded | None:
    """:func:`decode_row`; with ``on_corrupt``, a corrupt row is reported to it (None back)."""
    if on_corrupt is None:
        return decode_row(StoredRow._make(row[:13]))
    try:
        return decode_row(StoredRow._make(row[:13]))
    except CorruptEventError as exc:
        on_corrupt(exc)
        return None


def decode_rows(rows: Iterable[Sequence[Any]], on_corrupt: OnCorrupt | None = None) -> Iterator[Recorded]:
    """:func:`decode_row` of every row, fast and lazily: the typed read path of every store.
    A corrupt row raises, or with ``on_corrupt`` is reported to it and skipped.

    ``rows`` may be :class:`StoredRow` or any tuple whose first 13 items are a stored row's.
    Each current-version payload is validated by its class's validator directly and each
    distinct timestamp text parsed once; an old version, an unknown type or a bad payload goes
    through :func:`decode_row`, which upcasts or raises naming the position and type. Records
    are yielded one by one (not collected), so the garbage collector never sees a page of them.
    """
    times: dict[str | None, datetime | None] = {None: None, "": None}
    validators = _VALIDATORS
    for row in rows:
        validate = validators.get((row[6], row[7]))
        if validate is None:
            validate = validators[(row[6], row[7])] = _validator(row[6], row[7])
        try:
            if validate is False:
                raise ValueError  # an old version or an unknown type: the general path
            event = validate(row[12])  # pydantic's ValidationError is a ValueError
            sim_time = times.get(row[8], _MISSING)
            if sim_time is _MISSING:
                sim_time = times[row[8]] = datetime.fromisoformat(row[8])
            recorded_at = times.get(row[9], _MISSING)
            if recorded_at is _MISSING:
                if len(times) > 4096:  # bounded: one entry per distinct timestamp text
                    times = {None: None, "": None}
                recorded_at = times[row[9]] = datetime.fromisoformat(row[9])
        except (ValueError, TypeError):  # decode_row upcasts, or names position, type and run
            record = _decode_slowly(row, on_corrupt)
            if record is not None:
                yield record
            continue
        yield _new_row(Recorded, (row[0], row[1], row[2], row[3], row[4], row[5], sim_time, recorded_at,
                                  row[10], row[11], event))


_MISSING: Any = object()
_VALIDATORS: dict[tuple[str, int], Any] = {}


def _validator(type_: str, schema_version: int) -> Any:
    """``validate_json`` of the class stored as ``type_`` at its current ``schema_version``,
    or False (an unknown type or an older version: the general path handles those)."""
    cls = event_class(type_)
    if cls is None or cls.schema_version != schema_version:
        return False
    return cls.__pydantic_validator__.validate_json


def normalize_expected(events: Sequence[NewEvent],
                       expected_version: int | Mapping[str, int] | None) -> dict[str, int] | None:
    """Turn the ``expected_version`` argument of ``append`` into a per-stream mapping."""
    if expected_version is None:
        return None
    if isinstance(expected_version, int):
        streams = {e.stream for e in events}
        if len(streams) != 1:
            raise ValueError("an int expected_version needs a single-stream batch; pass a mapping")
        return {streams.pop(): expected_version}
    return dict(expected_version)
