"""Recompute every event's content hash and each run's hash chain, and report the first break.

Tampering (a payload edited behind the store's back, a row removed from the middle of a run)
and corruption (a payload that no longer decodes) are reported with the first bad position.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from troupe_es.errors import CorruptEventError
from troupe_es.events.base import event_class
from troupe_es.events.canonical import canonical_json, chain_hash, content_hash_from_json, record_hash
from troupe_es.events.codec import decode_event
from troupe_es.store.base import EventStore
from troupe_es.store.rows import StoredRow


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of :func:`verify`. ``ok`` is False from the first bad event on."""

    ok: bool
    runs: int
    events: int
    first_bad_position: int | None = None
    run_id: str | None = None
    type: str | None = None
    problem: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _row_problem(row: StoredRow, previous_chain: str) -> str | None:
    """Why a stored row fails verification, or None when it is sound."""
    try:
        decode_event(row.type, row.schema_version, row.payload, position=row.position)
    except CorruptEventError as exc:
        return str(exc)
    cls = event_class(row.type)
    volatile = cls.volatile_fields if cls is not None else frozenset()
    payload = json.loads(row.payload)
    hashed = canonical_json({k: v for k, v in payload.items() if k not in volatile}
                            if volatile else payload)
    expected_content = content_hash_from_json(row.type, row.schema_version, row.stream, row.sim_time, hashed)
    if expected_content != row.content_hash:
        return "content hash does not match the payload (payload or metadata changed)"
    link = record_hash(position=row.position, run_id=row.run_id, stream=row.stream,
                       stream_version=row.stream_version, event_id=row.event_id,
                       causation_id=row.causation_id, type_=row.type,
                       schema_version=row.schema_version, sim_time=row.sim_time,
                       recorded_at=row.recorded_at, content_hash=row.content_hash,
                       payload_json=row.payload)
    if chain_hash(previous_chain, link) != row.chain_hash:
        return "chain hash does not match (a record was changed, removed or reordered)"
    return None


def verify(store: EventStore, run_id: str | None = None) -> VerifyReport:
    """Verify every event of ``run_id`` (or of the whole store) in position order."""
    chains: dict[str, str] = {}
    events = 0
    unreadable: list[CorruptEventError] = []  # e.g. a damaged compressed payload, met in order
    for row in store.iter_rows(run_id=run_id, batch_size=5000, on_corrupt=unreadable.append):
        if unreadable:
            break
        events += 1
        problem = _row_problem(row, chains.get(row.run_id, ""))
        if problem is not None:
            return VerifyReport(False, len(chains) + (row.run_id not in chains), events,
                                row.position, row.run_id, row.type, problem)
        chains[row.run_id] = row.chain_hash
    if unreadable:
        exc = unreadable[0]
        return VerifyReport(False, len(chains), events, exc.position, exc.run_id, exc.type, str(exc))
    return VerifyReport(True, len(chains), events)
