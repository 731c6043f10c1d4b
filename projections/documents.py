"""Read model of a run's documents: one row per document ingested (pure fold of
``DocumentChunkIngested`` and ``GroundingChanged``), for ``troupe-es documents`` and notebooks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from troupe_es.events import Recorded

TYPES = ("DocumentChunkIngested", "GroundingChanged")


def documents(records: Iterable[Recorded]) -> dict[str, Any]:
    """``{"documents": [...], "grounded": [...]}``: per document its agent (null: everyone),
    source, title, document hash, chunks, characters and the position of its first chunk."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    grounded: dict[str, bool] = {}
    for rec in records:
        e: Any = rec.event
        if e.type == "GroundingChanged":
            grounded[e.agent] = e.grounded
            continue
        if e.type != "DocumentChunkIngested":
            continue
        row = rows.setdefault((e.agent, e.source, e.document_hash), {
            "agent": e.agent, "source": e.source, "title": e.title, "document_hash": e.document_hash,
            "chunks": e.chunks, "characters": 0, "chunk_size": e.chunk_size, "chunk_overlap": e.chunk_overlap,
            "position": rec.position})
        row["characters"] += len(e.text)
    return {"documents": list(rows.values()), "grounded": sorted(a for a, on in grounded.items() if on)}
