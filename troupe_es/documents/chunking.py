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
    if not text:
        return []
    if len(text) <= chunk_size:
        return [text]
    # words with the separator that precedes them ("" for the first, " " or "\n\n")
    words: list[str] = []
    seps: list[str] = []
    for p, paragraph in enumerate(text.split("\n\n")):
        for w, word in enumerate(paragraph.split(" ")):
            while len(word) > chunk_size:  # a word longer than a chunk is cut
                seps.append(" " if words else "")
                words.append(word[:chunk_size])
                word = word[chunk_size:]
            seps.append("" if not words else ("\n\n" if w == 0 and p > 0 else " "))
            words.append(word)
    chunks: list[str] = []
    start = 0
    n = len(words)
    while start < n:
        length = len(words[start])
        end = start + 1
        while end < n and length + len(seps[end]) + len(words[end]) <= chunk_size:
            length += len(seps[end]) + len(words[end])
            end += 1
        chunks.append(words[start] + "".join(seps[i] + words[i] for i in range(start + 1, end)))
        if end >= n:
            break
        # the next chunk begins with the trailing words that fit the overlap (always moving on)
        back = end
        kept = 0
        while back - 1 > start and kept + len(words[back - 1]) + 1 <= chunk_overlap:
            back -= 1
            kept += len(words[back]) + 1
        start = back
    return chunks
