"""The :class:`EventStore` interface every backend implements, and what they share.

Backends implement the storage primitives (appending rows atomically with the run and store
heads, iterating rows, versions, heads, snapshots, checkpoints); typed reads, run-id resolution
and idempotency are shared here, the heads' rules in :mod:`troupe_es.store.heads`. One
contract test suite (``tests/contract``) proves every backend behaves the same.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from troupe_es import limits
from troupe_es.errors import RunNotFoundError, StoreError
from troupe_es.events.envelope import NewEvent, Recorded
from troupe_es.store.blobs import Blob
from troupe_es.store.heads import RunHead, StoreHead
from troupe_es.store.rows import OnCorrupt, StoredRow, decode_row, decode_rows

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock, in UTC (only ever used for ``recorded_at``)."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """Where a run lives in the log."""

    run_id: str
    events: int
    first_position: int
    last_position: int
    started_at: datetime
    last_recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A saved fold state: ``state`` is the projection's value after the event at ``position``."""

    run_id: str
    name: str
    position: int
    state: dict[str, Any]


class EventStore(abc.ABC):
    """An append-only, totally ordered log of events grouped in runs and streams."""

    url: str = "memory://"

    # ---- writing -------------------------------------------------------------------------
    @abc.abstractmethod
    def append(self, run_id: str, events: Sequence[NewEvent],
               expected_version: int | Mapping[str, int] | None = None) -> list[Recorded]:
        """Append a batch atomically: all events are written or none.

        ``expected_version`` is the version each stream must be at before the batch (0: the
        stream must not exist yet); a mismatch raises :class:`ConcurrencyError`. An int applies
        to a single-stream batch, a mapping names streams; ``None`` skips the check. A batch whose
        event ids were all written before returns the stored records and writes nothing.

        The run's head and the store head (:mod:`troupe_es.store.heads`) are written in the same
        transaction. A run whose ``RunCompleted`` is recorded is sealed (:class:`RunSealedError`);
        with ``TROUPE_ES_SIGNING_KEY`` set, chain links and heads are HMACs, and a signed store
        takes appends only with its key (:class:`SigningKeyError`); a log that no longer matches
        its heads takes none (:class:`HeadMismatchError`).
        """

    # ---- reading -------------------------------------------------------------------------
    @abc.abstractmethod
    def iter_rows(self, *, run_id: str | None = None, stream: str | None = None,
                  types: Iterable[str] | None = None, from_position: int | None = None,
                  until_position: int | None = None, batch_size: int = 2000,
                  on_corrupt: OnCorrupt | None = None) -> Iterator[StoredRow]:
        """Stored rows in position order, undecoded, fetched in pages of ``batch_size``
        (bounded memory for logs of any size). Both position bounds are inclusive. A row whose
        stored payload cannot even be read raises :class:`CorruptEventError`, or with
        ``on_corrupt`` is reported to it and skipped."""

    def read(self, *, run_id: str | None = None, stream: str | None = None,
             types: Iterable[str] | None = None, from_position: int | None = None,
             until_position: int | None = None, batch_size: int = 2000,
             on_corrupt: OnCorrupt | None = None) -> Iterator[Recorded]:
        """Typed events in position order. A row that cannot be decoded raises
        :class:`CorruptEventError` naming its position, type and run; with ``on_corrupt`` it
        is reported to that callable instead and the read goes on past it."""
        yield from decode_rows(self._decodable_rows(
            run_id=run_id, stream=stream, types=types, from_position=from_position,
            until_position=until_position, batch_size=batch_size, on_corrupt=on_corrupt), on_corrupt)

    def _decodable_rows(self, **query: Any) -> Iterator[Sequence[Any]]:
        """What :meth:`read` decodes: :meth:`iter_rows`, or any tuples whose first 13 items are
        a stored row's (a backend may hand over its driver's rows as they are)."""
        return self.iter_rows(**query)

    @abc.abstractmethod
    def stream_version(self, run_id: str, stream: str) -> int:
        """Current version of a stream (0 when it has no events)."""

    @abc.abstractmethod
    def last_position(self) -> int:
        """Position of the newest event in the store (0 when empty)."""

    @abc.abstractmethod
    def run_summaries(self) -> list[RunSummary]:
        """One summary per run, oldest run first."""

    @abc.abstractmethod
    def rows_by_event_ids(self, event_ids: Sequence[str]) -> list[StoredRow]:
        """The stored rows carrying any of these event ids, in position order."""

    @abc.abstractmethod
    def run_heads(self, run_id: str | None = None) -> list[RunHead]:
        """The head of every run (or of ``run_id``), oldest last position first: where each run's
        chain ended at its last append, written in the same transaction as that append. Runs
        written before heads existed have none."""

    @abc.abstractmethod
    def store_head(self) -> StoreHead | None:
        """What the run heads add up to, written with every append (None before the first append
        that wrote heads)."""

    @abc.abstractmethod
    def heads(self) -> tuple[list[RunHead], StoreHead | None]:
        """Every run head and the store head, read together: one consistent state even while
        appenders are writing (what ``verify`` compares the log with)."""

    def resolve_run(self, run_id_or_prefix: str) -> str:
        """The full id of the one run whose id is, or starts with, the given text;
        ``last`` names the most recently started run."""
        runs = [s.run_id for s in self.run_summaries()]
        if run_id_or_prefix == "last" and "last" not in runs:
            if not runs:
                raise RunNotFoundError(f"no runs in {self.url}")
            return runs[-1]
        if run_id_or_prefix in runs:
            return run_id_or_prefix
        matches = [r for r in runs if r.startswith(run_id_or_prefix)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise RunNotFoundError(f"no run {run_id_or_prefix!r} in {self.url}")
        raise RunNotFoundError(f"run prefix {run_id_or_prefix!r} is ambiguous: {', '.join(matches[:5])}")

    # ---- snapshots and checkpoints ----------------------------------------------------------
    @abc.abstractmethod
    def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store (or replace) a fold state for ``(run_id, name, position)``."""

    @abc.abstractmethod
    def load_snapshot(self, run_id: str, name: str, at_or_before: int | None = None) -> Snapshot | None:
        """The newest snapshot of ``name`` for the run at or before a position."""

    @abc.abstractmethod
    def save_checkpoint(self, name: str, position: int) -> None:
        """Record that projection ``name`` has processed every event up to ``position``."""

    @abc.abstractmethod
    def load_checkpoint(self, name: str) -> int:
        """Last position projection ``name`` processed (0 when it never ran)."""

    # ---- blobs (content-addressed bytes beside the log, see troupe_es.store.blobs) ----------
    def put_blob(self, data: bytes, media_type: str) -> str:
        """Store ``data`` once under its sha256 (returned); storing the same bytes again writes
        nothing. Blobs are never updated or deleted."""
        raise StoreError(f"event store {self.url} keeps no blobs")

    def get_blob(self, sha256: str) -> "Blob | None":
        """The blob named ``sha256`` (None when the store has none by that name);
        :class:`~troupe_es.errors.CorruptBlobError` when its bytes no longer match the name."""
        return None

    def blob_hashes(self) -> list[str]:
        """The names of every stored blob, sorted."""
        return []

    # ---- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        """Release connections. The store must not be used afterwards."""

    def __enter__(self) -> "EventStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def idempotent_replay(existing: list[StoredRow], events: Sequence[NewEvent]) -> list[Recorded] | None:
    """If every event id of the batch is already stored, the stored records (a retried batch);
    ``None`` if none is; :class:`DuplicateEventError` if only some are."""
    from troupe_es.errors import DuplicateEventError

    if not existing:
        return None
    wanted = [e.event_id for e in events]
    if len(existing) != len(wanted):
        raise DuplicateEventError(
            f"{len(existing)} of {len(wanted)} events of the batch were already written "
            f"(event id {existing[0].event_id}); refusing a partial retry")
    return [decode_row(r) for r in existing]


def check_envelope(run_id: str, events: Sequence[NewEvent]) -> None:
    """:class:`StoreError` unless the batch's run id, streams, event ids and causation ids fit
    the event store's text columns on every backend (PostgreSQL's ``varchar`` sizes in
    :mod:`troupe_es.limits`, no NUL). Every backend's ``append`` calls it first, so a name
    SQLite would take and PostgreSQL would refuse is refused everywhere, before anything is written.

    On the append path, so the common case is a few C-level passes over the batch; the message
    is only worked out when something does not fit."""
    streams = {new.stream for new in events}
    ids = [v for new in events for v in (new.event_id, new.causation_id) if v is not None]
    fits = (run_id and len(run_id) <= limits.RUN_ID_CHARS and "\x00" not in run_id
            and max(map(len, streams)) <= limits.STREAM_CHARS and "\x00" not in "".join(streams)
            and max(map(len, ids), default=0) <= limits.EVENT_ID_CHARS and "\x00" not in "".join(ids))
    if fits:
        return
    checks = [(run_id, limits.RUN_ID_CHARS, "run id")]
    checks += [(stream, limits.STREAM_CHARS, f"stream {stream[:60]!r}") for stream in streams]
    checks += [(value, limits.EVENT_ID_CHARS, f"id {value[:70]!r}") for value in ids]
    problem = next(filter(None, (limits.text_problem(*check) for check in checks)), "the run id is empty")
    raise StoreError(f"cannot append to run {run_id[:70]!r}: {problem}")
