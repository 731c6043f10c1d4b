"""The memory vector index: a stored projection of every run's memories in lancedb.

One row per memory held (run, agent, memory id, kind, vector, text, importance, simulated time;
document chunks are ``document`` memories whose agent is ``*`` when everyone was given them),
one table per offline embedder (runs embedding through an API are not indexed), a checkpoint table, batched writes and compaction (lancedb writes one
table version per write). Rows are keyed by run and memory id, so delivering an event twice
changes nothing; forgotten memories are deleted. ``rebuild`` = reset + apply the whole log: it
re-embeds texts with each run's offline embedder (recorded in ``RunStarted``) and makes no LLM
or embedding-API call.

Where it lives: ``TROUPE_ES_MEMORY_INDEX`` when set; else beside a SQLite store (``troupe.db`` →
``troupe.db.memory/``); else (PostgreSQL) ``.troupe-es/memory-index`` in the working directory;
an in-memory store gets a temporary folder. This index serves search (``troupe-es memory RUN
--search``, notebooks); turns never query it during replay or time travel — what a turn recalled
is read back from ``MemoriesRecalled``.
"""

from __future__ import annotations

from collections.abc import Iterator

from contextlib import contextmanager

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from troupe_es.embeddings import OFFLINE, Embeddings
from troupe_es.events import Recorded
from troupe_es.store.base import EventStore

NAME = "memory"
INDEX_ENV = "TROUPE_ES_MEMORY_INDEX"
TYPES = ("RunStarted", "MemoryStored", "MemoryForgotten", "DocumentChunkIngested")
EVERYONE = "*"
"""The ``agent`` of document chunks given to everyone (searching for an agent finds them too)."""
COMPACT_EVERY = 20
"""Writes between two compactions."""

_TEMP: dict[int, str] = {}


def index_path(store: EventStore) -> Path:
    """Where the index of ``store`` lives (see the module docstring)."""
    if os.environ.get(INDEX_ENV):
        return Path(os.environ[INDEX_ENV])
    url = getattr(store, "url", "")
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):] + ".memory")
    if url.startswith("memory:"):
        return Path(_TEMP.setdefault(id(store), tempfile.mkdtemp(prefix="troupe-es-memory-")))
    return Path(".troupe-es") / "memory-index"


class MemoryIndex:
    """The lancedb projection of memories for one store."""

    def __init__(self, store: EventStore, path: Path | None = None, embeddings: Embeddings | None = None) -> None:
        import lancedb

        self.store = store
        self.path = path or index_path(store)
        self.path.mkdir(parents=True, exist_ok=True)
        self.db = lancedb.connect(str(self.path))
        self.embeddings = embeddings or Embeddings()
        self.writes = 0
        self._embedder_of_run: dict[str, str] = {}
        self._fresh: set[str] = set()  # tables created since the last reset: plain appends suffice

    # -- checkpoint -------------------------------------------------------------------------
    def checkpoint(self) -> int:
        if "checkpoint" not in self._tables():
            return 0
        rows = self.db.open_table("checkpoint").to_arrow().to_pylist()
        return int(rows[0]["position"]) if rows else 0

    def _save_checkpoint(self, position: int) -> None:
        import pyarrow as pa

        mode = "overwrite" if "checkpoint" in self._tables() else "create"
        self.db.create_table("checkpoint", pa.table({"position": [position]}), mode=mode)

    def _tables(self) -> list[str]:
        listing = self.db.list_tables() if hasattr(self.db, "list_tables") else self.db.table_names()
        return list(getattr(listing, "tables", listing))

    # -- apply ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Drop every table (the next catch-up starts from the log's first event)."""
        for name in self._tables():
            self.db.drop_table(name)
        self._embedder_of_run.clear()
        self._fresh = {"*"}

    def catch_up(self, batch: int = 5000) -> int:
        """Apply every event after the checkpoint, ``batch`` events a write; returns how many."""
        applied = 0
        chunk: list[Recorded] = []
        for rec in self.store.read(types=TYPES, from_position=self.checkpoint() + 1):
            chunk.append(rec)
            if len(chunk) >= batch:
                applied += self.apply(chunk)
                chunk = []
        if chunk:
            applied += self.apply(chunk)
        return applied

    def apply(self, records: Iterable[Recorded]) -> int:
        """Apply a batch (events at or before the checkpoint are skipped); one write per table."""
        done = self.checkpoint()
        records = [r for r in records if r.position > done]
        if not records:
            return 0
        rows: dict[str, list[dict[str, Any]]] = {}
        gone: list[tuple[str, str]] = []
        for rec in records:
            e = rec.event
            if e.type == "RunStarted":
                memory = _embedding_section(e.scenario)
                if memory is not None:
                    self._embedder_of_run[rec.run_id] = memory.get("embedder") or "wordllama"
            elif e.type == "DocumentChunkIngested":  # a `document` memory (docs/documents.md)
                embedder = self._embedder(rec.run_id)
                if embedder in OFFLINE:
                    owner = e.agent or EVERYONE
                    rows.setdefault(embedder, []).append({
                        "key": f"{rec.run_id}/{owner}/{e.chunk_id}", "run_id": rec.run_id, "agent": owner,
                        "memory_id": e.chunk_id, "kind": "document", "text": e.text, "importance": 0,
                        "sim_time": rec.sim_time.isoformat() if rec.sim_time else None, "position": rec.position})
            elif e.type == "MemoryStored":
                embedder = self._embedder(rec.run_id)
                if embedder not in OFFLINE:  # remote vectors are in the log, not recomputable offline
                    continue
                rows.setdefault(embedder, []).append({
                    "key": f"{rec.run_id}/{e.memory_id}", "run_id": rec.run_id, "agent": e.agent,
                    "memory_id": e.memory_id, "kind": e.kind, "text": e.text, "importance": e.importance,
                    "sim_time": rec.sim_time.isoformat() if rec.sim_time else None, "position": rec.position})
            elif e.type == "MemoryForgotten":
                gone += [(rec.run_id, i) for i in e.memory_ids]
        for embedder, batch in rows.items():
            self._write(embedder, batch)
        if gone:
            keys = ", ".join("'" + f"{run}/{mid}".replace("'", "''") + "'" for run, mid in gone)
            for name in self._memory_tables():
                self.db.open_table(name).delete(f"key IN ({keys})")
        self._save_checkpoint(records[-1].position)
        return len(records)

    def _embedder(self, run_id: str) -> str:
        if run_id not in self._embedder_of_run:
            started = next(iter(self.store.read(run_id=run_id, types=["RunStarted"])), None)
            memory = _embedding_section(started.event.scenario) if started is not None else None
            self._embedder_of_run[run_id] = (memory or {}).get("embedder") or "wordllama"
        return self._embedder_of_run[run_id]

    def _memory_tables(self) -> list[str]:
        return [n for n in self._tables() if n.startswith("memories_")]

    def _write(self, embedder: str, batch: list[dict[str, Any]]) -> None:
        import pyarrow as pa

        vectors = self.embeddings.get(embedder).inner.embed([r["text"] for r in batch]).astype("float32")
        dims = vectors.shape[1]
        columns = {k: [r[k] for r in batch] for k in batch[0]}
        data = pa.table({**columns, "importance": pa.array(columns["importance"], pa.int32()),
                         "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), dims)})
        name = f"memories_{embedder}"
        if name not in self._tables():
            self.db.create_table(name, data)
            if "*" in self._fresh:
                self._fresh.add(name)
        elif name in self._fresh:  # rebuilding from the log: every key is new
            self.db.open_table(name).add(data)
        else:
            table = self.db.open_table(name)
            table.merge_insert("key").when_matched_update_all().when_not_matched_insert_all().execute(data)
        self.writes += 1
        if self.writes % COMPACT_EVERY == 0:
            self.compact()

    def compact(self) -> None:
        """Merge the small versions the writes left behind into few files."""
        for name in self._memory_tables():
            self.db.open_table(name).optimize()

    # -- read -------------------------------------------------------------------------------
    def search(self, run_id: str, query: str, *, agent: str | None = None, k: int = 10) -> list[dict[str, Any]]:
        """The ``k`` memories of ``run_id`` (and ``agent``) nearest ``query`` by cosine similarity."""
        embedder = self._embedder(run_id)
        name = f"memories_{embedder}"
        if name not in self._tables():
            return []
        vector = self.embeddings.get(embedder).embed([query])[0].astype("float32")
        where = f"run_id = '{_quote(run_id)}'" + (
            f" AND (agent = '{_quote(agent)}' OR agent = '{EVERYONE}')" if agent else "")
        hits = (self.db.open_table(name).search(vector).metric("cosine").where(where, prefilter=True)
                .limit(k).to_list())
        out = [{"memory_id": h["memory_id"], "agent": h["agent"], "kind": h["kind"], "text": h["text"],
                "importance": h["importance"], "sim_time": h["sim_time"],
                "similarity": round(1 - float(h["_distance"]), 5)} for h in hits]
        return sorted(out, key=lambda h: (-h["similarity"], h["memory_id"]))

    def count(self) -> int:
        return sum(self.db.open_table(n).count_rows() for n in self._memory_tables())


def _embedding_section(scenario: dict[str, Any] | None) -> dict[str, Any] | None:
    """The scenario section naming the run's embedder: ``memory:``, else ``documents:``."""
    scenario = scenario or {}
    return scenario.get("memory") if scenario.get("memory") is not None else scenario.get("documents")


def _quote(text: str) -> str:
    return text.replace("'", "''")


def status(store: EventStore) -> dict[str, Any]:
    index = MemoryIndex(store)
    checkpoint, last = index.checkpoint(), store.last_position()
    return {"name": NAME, "kind": "stored", "checkpoint": checkpoint, "last_position": last,
            "behind": last - checkpoint, "detail": f"{index.count()} memories in lancedb at {index.path}"}


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Hold the index's writer lock (a file lock beside it): lancedb refuses concurrent commits
    to one table, so processes rebuilding or catching up the same index take turns."""
    import fcntl

    path.mkdir(parents=True, exist_ok=True)
    with open(path / ".writer.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def rebuild(store: EventStore, **_: Any) -> dict[str, Any]:
    path = index_path(store)
    with writing(path):
        index = MemoryIndex(store, path)
        index.reset()
        index.catch_up(batch=20_000)
        index.compact()
        last = store.last_position()
        index._save_checkpoint(max(last, index.checkpoint()))
        store.save_checkpoint(NAME, index.checkpoint())
        return {"name": NAME, "checkpoint": index.checkpoint(), "items": index.count(), "path": str(index.path),
                "skipped": []}
