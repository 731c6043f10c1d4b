"""Chunking text into overlapping pieces (pure and deterministic).

Sizes are in **characters**. Whitespace is normalised first (runs of spaces and tabs become one
space; paragraphs, i.e. blank lines, are kept as one blank line). A chunk is the longest run of
whole words that fits ``chunk_size`` characters (a single longer word is cut); the next chunk
starts with the last words of the previous one that fit ``chunk_overlap`` characters, so a fact
cut at a boundary is whole in one of the two chunks. The same text and settings always give the
same chunks.
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"[ \t\f\v\r]+")
_PARAGRAPHS = re.compile(r"\n\s*\n+")


def normalise(text: str) -> str:
    """``text`` with whitespace normalised (see the module docstring)."""
    text = text.replace("\r\n", "\n").replace("\x00", "")
    paragraphs = (" ".join(p.split()) for p in _PARAGRAPHS.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def chunk_text(text: str, chunk_size: int, chunk_overlap: int) -> list[str]:
    """``text`` in chunks of at most ``chunk_size`` characters sharing up to ``chunk_overlap``
    characters with the previous chunk (``0 <= chunk_overlap < chunk_size``)."""
    if chunk_size < 1 or not 0 <= chunk_overlap < chunk_size:
        raise ValueError(f"need 0 <= chunk_overlap ({chunk_overlap}) < chunk_size ({chunk_size})")
    text = normalise(text)
    n = len(text)
    chunks: list[str] = []
    start = 0
    while start < n:
        end = start + chunk_size
        if end >= n:
            chunks.append(text[start:])
            break
        # cut at the last space or line break that keeps the chunk within its size
        cut = max(text.rfind(" ", start + 1, end + 1), text.rfind("\n", start + 1, end + 1))
        if cut <= start:  # a single word longer than a chunk: cut it
            cut = end
        chunks.append(text[start:cut].rstrip())
        # the next chunk starts at the first word beginning within the overlap (always moving on)
        nxt = max(cut - chunk_overlap, start + 1)
        if nxt < cut and not text[nxt - 1].isspace():
            spaces = [i for i in (text.find(" ", nxt, cut), text.find("\n", nxt, cut)) if i >= 0]
            nxt = min(spaces) + 1 if spaces else cut
        while nxt < n and text[nxt].isspace():
            nxt += 1
        start = nxt
    return chunks
