"""The storage form of an event, shared by every backend: encoding, hashing and decoding.

A :class:`StoredRow` is exactly what a backend persists. :func:`encode_batch` turns new events
into rows (assigning positions, stream versions, content and chain hashes) as a pure function of
its inputs; :func:`decode_row` turns a row back into a typed :class:`Recorded`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import zlib
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from troupe_es.events.canonical import canonical_json, iso_utc, quote, to_utc
from troupe_es.events.codec import decode_event
from troupe_es.events.envelope import NewEvent, Recorded

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
                 recorded_at: datetime) -> list[StoredRow]:
    """Encode a batch into rows. Pure: positions continue from ``next_position``, each stream's
    versions from ``stream_versions`` (0 for a new stream) and the run's chain from
    ``previous_chain`` ("" for a new run).

    The hot path of ``append``: the texts hashed here are exactly those of
    :func:`troupe_es.events.canonical.content_hash`, :func:`record_hash` and :func:`chain_hash`
    (a test checks they agree), built without re-encoding the payload.
    """
    versions = dict(stream_versions)
    recorded = iso_utc(recorded_at)
    assert recorded is not None
    sim_times: dict[datetime | None, tuple[str | None, str]] = {None: (None, "null")}
    quoted: dict[tuple[str, str], str] = {}
    rows: list[StoredRow] = []
    append = rows.append
    sha = hashlib.sha256
    chain = previous_chain
    position = next_position
    for new in events:
        event = new.event
        type_ = event.type
        stream = new.stream
        payload = event.payload()
        payload_json = canonical_json(payload)
        version = versions.get(stream, 0) + 1
        versions[stream] = version
        times = sim_times.get(new.sim_time)
        if times is None:
            iso = iso_utc(new.sim_time)
            times = sim_times[new.sim_time] = (iso, quote(iso))
        sim_time, sim_time_q = times
        volatile = event.volatile_fields
        hashed_json = payload_json if not volatile else canonical_json(
            {k: v for k, v in payload.items() if k not in volatile})
        schema_version = event.schema_version
        tail = quoted.get((stream, type_))
        if tail is None:
            tail = quoted[(stream, type_)] = f',"stream":{quote(stream)},"type":{quote(type_)}}}'
        c_hash = sha(f'{{"payload":{hashed_json},"schema_version":{schema_version},"sim_time":{sim_time_q}{tail}'
                     .encode()).hexdigest()
        event_id = new.event_id or new_event_id()
        causation = new.causation_id
        r_hash = sha(f"{position}\x1f{run_id}\x1f{stream}\x1f{version}\x1f{event_id}\x1f{causation or ''}"
                     f"\x1f{type_}\x1f{schema_version}\x1f{sim_time or ''}\x1f{recorded}\x1f{c_hash}"
                     f"\x1f{payload_json}".encode()).hexdigest()
        chain = sha((chain + r_hash).encode()).hexdigest()
        append(StoredRow(position, run_id, stream, version, event_id, causation, type_, schema_version,
                         sim_time, recorded, c_hash, chain, payload_json))
        position += 1
    return rows


def recorded_from_rows(rows: Sequence[StoredRow], events: Sequence[NewEvent]) -> list[Recorded]:
    """The records of a just-appended batch, built from the events already in hand (no decode)."""
    if not rows:
        return []
    recorded_at = datetime.fromisoformat(rows[0].recorded_at)
    utc: dict[datetime | None, datetime | None] = {None: None}
    out = []
    for row, new in zip(rows, events, strict=True):
        sim_time = utc.get(new.sim_time, False)
        if sim_time is False:
            sim_time = utc[new.sim_time] = to_utc(new.sim_time)  # type: ignore[arg-type]
        out.append(Recorded(row.position, row.run_id, row.stream, row.stream_version, row.event_id,
                            row.causation_id, sim_time, recorded_at, row.content_hash, row.chain_hash,
                            new.event))
    return out


def decode_row(row: StoredRow) -> Recorded:
    """Decode a stored row into a typed :class:`Recorded`; corruption names the position."""
    event = decode_event(row.type, row.schema_version, row.payload, position=row.position)
    return Recorded(
        position=row.position,
        run_id=row.run_id,
        stream=row.stream,
        stream_version=row.stream_version,
        event_id=row.event_id,
        causation_id=row.causation_id,
        sim_time=datetime.fromisoformat(row.sim_time) if row.sim_time else None,
        recorded_at=datetime.fromisoformat(row.recorded_at),
        content_hash=row.content_hash,
        chain_hash=row.chain_hash,
        event=event,
    )


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
