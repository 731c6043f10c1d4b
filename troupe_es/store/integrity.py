"""Checks of one stored row against its hashes, shared by ``verify`` and the completion cache.

A row is sound when it decodes, its content hash is the hash of its payload and metadata, and
its chain hash links it to the run's previous event (sha256, or HMAC-SHA256 with the signing key
in a run written with one). :func:`stored_row_problem` checks a single row fetched from a store
(what the cache does before reusing a recorded completion); :mod:`troupe_es.verification` walks
whole runs with :func:`content_problem` and :func:`expected_chain`.
"""

from __future__ import annotations

import json

from troupe_es.errors import CorruptEventError
from troupe_es.events.base import event_class
from troupe_es.events.canonical import canonical_json, chain_hash, content_hash_from_json, record_hash
from troupe_es.events.codec import decode_event
from troupe_es.store.base import EventStore
from troupe_es.store.heads import signing_key
from troupe_es.store.rows import StoredRow

CONTENT_PROBLEM = "content hash does not match the payload (payload or metadata changed)"
CHAIN_PROBLEM = "chain hash does not match (a record was changed, removed or reordered)"


def content_problem(row: StoredRow) -> str | None:
    """Why a row does not decode or its content hash is wrong, or None when it is sound."""
    try:
        decode_event(row.type, row.schema_version, row.payload, position=row.position)
    except CorruptEventError as exc:
        return str(exc)
    cls = event_class(row.type)
    volatile = cls.volatile_fields if cls is not None else frozenset()
    payload = json.loads(row.payload)
    hashed = canonical_json({k: v for k, v in payload.items() if k not in volatile}
                            if volatile else payload)
    expected = content_hash_from_json(row.type, row.schema_version, row.stream, row.sim_time, hashed)
    return None if expected == row.content_hash else CONTENT_PROBLEM


def expected_chain(row: StoredRow, previous: str, key: bytes | None = None) -> str:
    """The chain hash a row must carry after ``previous`` (keyed with ``key`` in an hmac run)."""
    link = record_hash(position=row.position, run_id=row.run_id, stream=row.stream,
                       stream_version=row.stream_version, event_id=row.event_id,
                       causation_id=row.causation_id, type_=row.type,
                       schema_version=row.schema_version, sim_time=row.sim_time,
                       recorded_at=row.recorded_at, content_hash=row.content_hash,
                       payload_json=row.payload)
    return chain_hash(previous, link, key)


def checked_row(store: EventStore, position: int) -> tuple[StoredRow | None, str | None]:
    """The row at ``position`` and why it cannot be trusted (None when sound): its content hash,
    then its chain link to the run's previous event, keyed with ``TROUPE_ES_SIGNING_KEY`` when it
    is set (a signed store is signed throughout and takes no write without its key, so a plain
    link there is a forgery; without the key, links are plain)."""
    rows = list(store.iter_rows(from_position=max(position - 1, 1), until_position=position))
    if not rows or rows[-1].position != position:
        return None, f"no event at position {position}"
    row = rows[-1]
    problem = content_problem(row)
    if problem is not None:
        return row, problem
    key = signing_key()  # a store is signed throughout or not at all (see troupe_es.store.heads)
    if len(rows) == 2 and rows[0].run_id == row.run_id:
        previous = rows[0].chain_hash
    else:  # the run's previous event is further back (or missing): find it
        previous = ""
        for earlier in store.iter_rows(run_id=row.run_id, until_position=position - 1):
            previous = earlier.chain_hash
    if expected_chain(row, previous, key) != row.chain_hash:
        return row, CHAIN_PROBLEM
    return row, None
