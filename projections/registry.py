"""The registry of projections by name, for ``troupe-es projections`` and for notebooks.

Each :class:`ProjectionEntry` says what a projection is and how to inspect and rebuild it:

* ``fold`` projections (e.g. ``runs``) are computed on read; ``rebuild`` folds the whole log
  once and records a checkpoint, ``status`` compares that checkpoint with the log's end;
* ``snapshots`` (``run_state``) are saved fold states that accelerate time travel; ``status``
  shows every run's last snapshot against its last position, ``rebuild`` rewrites them.

Add one with :func:`register` (a name may be registered once). A rebuild reads past undecodable
rows: each is reported under ``skipped`` (position, run, type, error) and the rest is rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from troupe_es.projections.fold import Fold, fold
from troupe_es.projections.runs import RUNS
from troupe_es.projections.tools import TOOLS_FOLD
from troupe_es.errors import ConfigurationError, CorruptEventError
from troupe_es.snapshots import SNAPSHOT_NAME, SnapshotPolicy, write_snapshots
from troupe_es.store.base import EventStore


@dataclass(frozen=True)
class ProjectionEntry:
    """A named projection: what it is, how far it got, how to rebuild it."""

    name: str
    description: str
    kind: str
    status: Callable[[EventStore], dict[str, Any]]
    rebuild: Callable[..., dict[str, Any]]


REGISTRY: dict[str, ProjectionEntry] = {}


def register(entry: ProjectionEntry) -> ProjectionEntry:
    """Add ``entry`` to :data:`REGISTRY` (its name must be new)."""
    if entry.name in REGISTRY:
        raise ConfigurationError(f"projection {entry.name!r} is registered twice")
    REGISTRY[entry.name] = entry
    return entry


def get(name: str) -> ProjectionEntry:
    """The projection called ``name``; a clear error listing the known ones otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigurationError(f"unknown projection {name!r} (known: {', '.join(sorted(REGISTRY))})") from None


def entries() -> list[ProjectionEntry]:
    """Every registered projection, by name."""
    return [REGISTRY[n] for n in sorted(REGISTRY)]


def fold_entry(projection: Fold[Any], size: Callable[[Any], int] = len) -> ProjectionEntry:
    """A registry entry for a pure fold computed on read."""

    def status(store: EventStore) -> dict[str, Any]:
        checkpoint, last = store.load_checkpoint(projection.name), store.last_position()
        return {"name": projection.name, "kind": "fold", "checkpoint": checkpoint, "last_position": last,
                "behind": last - checkpoint, "detail": "computed on read; checkpoint = last full rebuild"}

    def rebuild(store: EventStore, **_: Any) -> dict[str, Any]:
        last = store.last_position()
        types = sorted(projection.types) if projection.types is not None else None
        skipped: list[CorruptEventError] = []
        state = fold(projection, store.read(types=types, until_position=last, on_corrupt=skipped.append))
        store.save_checkpoint(projection.name, last)
        return {"name": projection.name, "checkpoint": last, "items": size(state),
                "skipped": [e.to_dict() for e in skipped]}

    return ProjectionEntry(projection.name, projection.description, "fold", status, rebuild)


def _run_state_status(store: EventStore) -> dict[str, Any]:
    runs = []
    for summary in store.run_summaries():
        snapshot = store.load_snapshot(summary.run_id, SNAPSHOT_NAME)
        at = snapshot.position if snapshot is not None else None
        runs.append({"run_id": summary.run_id, "last_snapshot": at, "last_position": summary.last_position,
                     "events_after_snapshot": summary.last_position - (at or summary.first_position - 1)})
    last = store.last_position()
    checkpoint = store.load_checkpoint(SNAPSHOT_NAME)
    return {"name": SNAPSHOT_NAME, "kind": "snapshots", "checkpoint": checkpoint, "last_position": last,
            "behind": last - checkpoint, "runs": runs,
            "detail": f"{sum(r['last_snapshot'] is not None for r in runs)} of {len(runs)} runs snapshotted"}


def _run_state_rebuild(store: EventStore, *, every: int = SnapshotPolicy.every, **_: Any) -> dict[str, Any]:
    last = store.last_position()
    skipped: list[CorruptEventError] = []
    written = sum(write_snapshots(store, s.run_id, every, on_corrupt=skipped.append)
                  for s in store.run_summaries())
    store.save_checkpoint(SNAPSHOT_NAME, last)
    return {"name": SNAPSHOT_NAME, "checkpoint": last, "items": written, "every": every,
            "skipped": [e.to_dict() for e in skipped]}


register(fold_entry(RUNS))
register(fold_entry(TOOLS_FOLD))
register(ProjectionEntry(
    SNAPSHOT_NAME, "Snapshots of every run's state (agents, worlds) every K events: time travel starts "
                   "from the nearest one.", "snapshots", _run_state_status, _run_state_rebuild))


def _llm_cache_status(store: EventStore) -> dict[str, Any]:
    from troupe_es.projections.llm_cache import NAME

    checkpoint, last = store.load_checkpoint(NAME), store.last_position()
    return {"name": NAME, "kind": "stored", "checkpoint": checkpoint, "last_position": last,
            "behind": last - checkpoint, "detail": "request key -> recorded completion index"}


def _llm_cache_rebuild(store: EventStore, **_: Any) -> dict[str, Any]:
    from troupe_es.projections.llm_cache import NAME, cache_for_store

    cache = cache_for_store(store, catch_up=False)
    indexed = cache.rebuild()
    return {"name": NAME, "checkpoint": store.load_checkpoint(NAME), "items": indexed,
            "skipped": [e.to_dict() for e in cache.skipped]}


register(ProjectionEntry(
    "llm_cache", "The content-hashed LLM cache: request key -> recorded completion (an index table beside "
                 "the log, caught up when a run opens it).", "stored", _llm_cache_status, _llm_cache_rebuild))


def _memory_status(store: EventStore) -> dict[str, Any]:
    from troupe_es.projections.memory import status

    return status(store)


def _memory_rebuild(store: EventStore, **options: Any) -> dict[str, Any]:
    from troupe_es.projections.memory import rebuild

    return rebuild(store, **options)


register(ProjectionEntry(
    "memory", "Every run's memories as vectors in lancedb (one row per memory held), for search; rebuilt "
              "from the log with the runs' offline embedders and no LLM call.", "stored",
    _memory_status, _memory_rebuild))
