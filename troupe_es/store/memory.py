"""The in-memory event store: the reference fake every other backend is proven equal to."""

from __future__ import annotations

import bisect
import copy
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence

from troupe_es.errors import ConcurrencyError
from troupe_es.events.envelope import NewEvent, Recorded
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
from troupe_es.store.rows import OnCorrupt, StoredRow, encode_records, normalize_expected


class InMemoryEventStore(EventStore):
    """Everything in Python lists and dicts; thread-safe; gone when the process ends."""

    def __init__(self, *, clock: Clock = utc_now) -> None:
        self.url = "memory://"
        self._clock = clock
        self._lock = threading.RLock()
        self._rows: list[StoredRow] = []
        self._versions: dict[tuple[str, str], int] = {}
        self._chains: dict[str, str] = {}
        self._heads: dict[str, RunHead] = {}
        self._store_head: StoreHead | None = None
        self._by_event_id: dict[str, int] = {}
        self._snapshots: dict[tuple[str, str], dict[int, dict]] = {}
        self._checkpoints: dict[str, int] = {}
        self._blobs: dict[str, Blob] = {}

    def append(self, run_id: str, events: Sequence[NewEvent],
               expected_version: int | Mapping[str, int] | None = None) -> list[Recorded]:
        if not events:
            return []
        check_envelope(run_id, events)
        expected = normalize_expected(events, expected_version)
        with self._lock:
            ids = [e.event_id for e in events if e.event_id]
            if ids:
                existing = self.rows_by_event_ids(ids)
                replayed = idempotent_replay(existing, events)
                if replayed is not None:
                    return replayed
            streams = {e.stream for e in events}
            current = {s: self._versions.get((run_id, s), 0) for s in streams}
            if expected is not None:
                for stream, want in expected.items():
                    have = self._versions.get((run_id, stream), 0)
                    if have != want:
                        raise ConcurrencyError(
                            f"stream {stream!r} of run {run_id} is at version {have}, expected {want}")
            key = signing_key()
            previous = self._chains.get(run_id, "")
            head = self._heads.get(run_id)
            mode = check_append(self.url, run_id, head, self._store_head, run_chain=previous,
                                top=len(self._rows), key=key)
            rows, recorded = encode_records(run_id, events, next_position=len(self._rows) + 1,
                                            stream_versions=current, previous_chain=previous,
                                            recorded_at=self._clock(), key=key)
            self._heads[run_id], self._store_head = advance(
                run_id, head, self._store_head, rows, mode=mode,
                events_before=head.events if head else 0, key=key)
            for row in rows:
                self._rows.append(row)
                self._versions[(run_id, row.stream)] = row.stream_version
                self._by_event_id[row.event_id] = row.position
            self._chains[run_id] = rows[-1].chain_hash
            return recorded

    def iter_rows(self, *, run_id: str | None = None, stream: str | None = None,
                  types: Iterable[str] | None = None, from_position: int | None = None,
                  until_position: int | None = None, batch_size: int = 2000,
                  on_corrupt: OnCorrupt | None = None) -> Iterator[StoredRow]:
        wanted = set(types) if types is not None else None
        start = max((from_position or 1) - 1, 0)
        index = start
        while True:
            with self._lock:
                if index >= len(self._rows):
                    return
                row = self._rows[index]
            index += 1
            if until_position is not None and row.position > until_position:
                return
            if run_id is not None and row.run_id != run_id:
                continue
            if stream is not None and row.stream != stream:
                continue
            if wanted is not None and row.type not in wanted:
                continue
            yield row

    def stream_version(self, run_id: str, stream: str) -> int:
        with self._lock:
            return self._versions.get((run_id, stream), 0)

    def last_position(self) -> int:
        with self._lock:
            return len(self._rows)

    def run_summaries(self) -> list[RunSummary]:
        from datetime import datetime

        with self._lock:
            seen: dict[str, list] = {}
            for row in self._rows:
                item = seen.get(row.run_id)
                if item is None:
                    seen[row.run_id] = [1, row.position, row.position, row.recorded_at, row.recorded_at]
                else:
                    item[0] += 1
                    item[2] = row.position
                    item[4] = row.recorded_at
        return [RunSummary(run, n, first, last, datetime.fromisoformat(t0), datetime.fromisoformat(t1))
                for run, (n, first, last, t0, t1) in seen.items()]

    def rows_by_event_ids(self, event_ids: Sequence[str]) -> list[StoredRow]:
        with self._lock:
            positions = sorted(self._by_event_id[i] for i in set(event_ids) if i in self._by_event_id)
            return [self._rows[p - 1] for p in positions]

    def run_heads(self, run_id: str | None = None) -> list[RunHead]:
        with self._lock:
            heads = [h for h in self._heads.values() if run_id is None or h.run_id == run_id]
        return sorted(heads, key=lambda h: h.last_position)

    def store_head(self) -> StoreHead | None:
        with self._lock:
            return self._store_head

    def heads(self) -> tuple[list[RunHead], StoreHead | None]:
        with self._lock:
            return self.run_heads(), self._store_head

    def save_snapshot(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._snapshots.setdefault((snapshot.run_id, snapshot.name), {})[snapshot.position] = \
                copy.deepcopy(snapshot.state)

    def load_snapshot(self, run_id: str, name: str, at_or_before: int | None = None) -> Snapshot | None:
        with self._lock:
            states = self._snapshots.get((run_id, name))
            if not states:
                return None
            positions = sorted(states)
            index = len(positions) if at_or_before is None else bisect.bisect_right(positions, at_or_before)
            if index == 0:
                return None
            position = positions[index - 1]
            return Snapshot(run_id, name, position, copy.deepcopy(states[position]))

    def save_checkpoint(self, name: str, position: int) -> None:
        with self._lock:
            self._checkpoints[name] = position

    def load_checkpoint(self, name: str) -> int:
        with self._lock:
            return self._checkpoints.get(name, 0)

    def put_blob(self, data: bytes, media_type: str) -> str:
        sha256 = check_new_blob(data, media_type)
        with self._lock:
            self._blobs.setdefault(sha256, Blob(sha256, media_type, bytes(data)))
        return sha256

    def get_blob(self, sha256: str) -> Blob | None:
        with self._lock:
            blob = self._blobs.get(sha256)
        return None if blob is None else checked_blob(blob.sha256, blob.media_type, blob.data)

    def blob_hashes(self) -> list[str]:
        with self._lock:
            return sorted(self._blobs)

    # -- test helpers for the contract suite's corruption cases --
    def _raw_rows(self) -> list[StoredRow]:
        return self._rows
