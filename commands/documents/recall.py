"""Which document chunks a turn recalls, and how they read in the prompt (pure).

Chunks are ranked by relevance alone — the cosine similarity of the chunk's and the query's
embeddings — best first, ties to the earlier chunk; a document has no recency or importance,
so ``MemoriesRecalled`` records 0 for both and ``total`` equals ``relevance``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from troupe_es.commands.turn import clip
from troupe_es.domain.documents import DocumentChunk
from troupe_es.documents.source import citation

CHARS_PER_TOKEN = 4
CHUNK_LINE_LIMIT = 1500
GROUNDING = ("Grounding: you only know what your documents say (below) and what you perceive here. If they "
             "do not cover something, say you do not know; never make facts up.")


def best(chunks: Sequence[DocumentChunk], relevance: Any, k: int) -> list[tuple[DocumentChunk, float]]:
    """The ``k`` most relevant chunks with their relevance (rounded to 6 places: it is recorded)."""
    scored = [(round(float(r), 6), i) for i, r in enumerate(relevance)]
    scored.sort(key=lambda p: (-p[0], p[1]))
    return [(chunks[i], r) for r, i in scored[:k]]


def chunk_line(chunk: DocumentChunk) -> str:
    return f"- [{chunk.title} — {citation(chunk)}] {clip(chunk.text, CHUNK_LINE_LIMIT)}"


def document_section(picked: Sequence[tuple[DocumentChunk, float]], budget_tokens: int,
                     grounded: bool) -> tuple[list[str], int]:
    """The prompt lines and how many of ``picked`` (best first) fit ``budget_tokens`` (the first
    always shows)."""
    head = [GROUNDING] if grounded else []
    shown: list[str] = []
    used = 0
    for chunk, _ in picked:
        line = chunk_line(chunk)
        cost = (len(line) + 1) // CHARS_PER_TOKEN
        if shown and used + cost > budget_tokens:
            break
        shown.append(line)
        used += cost
    if shown:
        head.append("From your documents (most relevant first):")
    elif grounded:
        head.append("Your documents say nothing about this.")
    return head + shown, len(shown)
