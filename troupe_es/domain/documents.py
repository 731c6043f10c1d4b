"""The documents a run's fold holds: every ingested chunk and the grounded agents.

Changed only by ``DocumentChunkIngested`` and ``GroundingChanged`` through
:data:`DOCUMENT_HANDLERS`, which :mod:`troupe_es.domain.evolve` merges into the one fold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class DocumentChunk:
    """One chunk as the run holds it (``agent`` None: everyone's)."""

    id: str
    agent: str | None
    source: str
    title: str
    index: int
    chunks: int
    text: str
    document_hash: str = ""
    ref: str = ""  # the DocumentChunkIngested event as stream@version (facts extracted from it cite it)


@dataclass(frozen=True)
class Library:
    """Every chunk ingested so far, in order, and who is grounded in their documents."""

    chunks: tuple[DocumentChunk, ...] = ()
    grounded: tuple[str, ...] = ()

    def for_agent(self, agent: str) -> tuple[DocumentChunk, ...]:
        """The chunks ``agent`` can recall: its own and everyone's (each id once, first kept)."""
        seen: set[str] = set()
        out = []
        for c in self.chunks:
            if (c.agent is None or c.agent == agent) and c.id not in seen:
                seen.add(c.id)
                out.append(c)
        return tuple(out)

    def has_document(self, agent: str | None, source: str, document_hash: str) -> bool:
        """Whether this document (same source and text) was already ingested for ``agent``."""
        return any(c.index == 0 and c.agent == agent and c.source == source and c.document_hash == document_hash
                   for c in self.chunks)

    def is_grounded(self, agent: str) -> bool:
        return agent in self.grounded

    def documents(self) -> list[dict[str, Any]]:
        """One row per ingested document: agent, source, title, chunks, characters."""
        rows: dict[tuple[str | None, str, str], dict[str, Any]] = {}
        for c in self.chunks:
            row = rows.setdefault((c.agent, c.source, c.document_hash), {
                "agent": c.agent, "source": c.source, "title": c.title, "chunks": c.chunks, "characters": 0})
            row["characters"] += len(c.text)
        return list(rows.values())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Library":
        return cls(chunks=tuple(DocumentChunk(**c) for c in data.get("chunks", ())),
                   grounded=tuple(data.get("grounded", ())))


def _ingested(s: Any, r: Any, e: Any) -> Any:
    chunk = DocumentChunk(e.chunk_id, e.agent, e.source, e.title, e.index, e.chunks, e.text, e.document_hash,
                          f"{r.stream}@{r.stream_version}")
    return replace(s, library=replace(s.library, chunks=s.library.chunks + (chunk,)))


def _grounding(s: Any, r: Any, e: Any) -> Any:
    grounded = tuple(a for a in s.library.grounded if a != e.agent) + ((e.agent,) if e.grounded else ())
    return replace(s, library=replace(s.library, grounded=grounded))


DOCUMENT_HANDLERS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "DocumentChunkIngested": _ingested,
    "GroundingChanged": _grounding,
}
"""Document event type → fold handler (merged into the one fold by ``evolve``)."""
