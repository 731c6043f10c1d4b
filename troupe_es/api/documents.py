"""``Simulation.add_documents``: documents for a run driven from Python (docs/documents.md)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from troupe_es.commands.models import GroundAgent, IngestDocuments
from troupe_es.errors import DocumentError, SimulationError


def add_documents(sim: Any, paths: str | Path | Iterable[str | Path], *, person: Any = None, chunk_size: int,
                  chunk_overlap: int, grounding: bool) -> int:
    """Issue ``IngestDocuments`` (and ``GroundAgent``) on ``sim``'s bus; the chunks recorded."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not items:
        raise DocumentError("add_documents: give at least one file or folder")
    agent = getattr(person, "name", person)
    if grounding and agent is None:
        raise SimulationError("add_documents: grounding needs a person (grounding is per persona)")
    if not 1 <= chunk_size or not 0 <= chunk_overlap < chunk_size:
        raise DocumentError(f"add_documents: need 0 <= chunk_overlap ({chunk_overlap}) < chunk_size ({chunk_size})")
    from troupe_es.documents.readers import expand

    for item in items:  # a missing file is refused before anything is recorded
        expand(str(item), None, "add_documents: ")
    if grounding:
        sim.bus.handle(GroundAgent(agent=agent))
    records = sim.bus.handle(IngestDocuments(paths=tuple(str(p) for p in items), agent=agent, chunk_size=chunk_size,
                                             chunk_overlap=chunk_overlap, base_dir=os.getcwd()))
    return sum(1 for r in records if r.event.type == "DocumentChunkIngested")
