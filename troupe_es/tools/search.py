"""Web search, offline: a search over a local corpus — the scenario's ``search_corpus:`` folder,
read when the scenario is loaded and recorded with it in ``RunStarted`` — through a lancedb
index of its chunks (no internet). Results carry document and chunk ids; replay reads them from
the recorded ``ToolReturned`` and never queries the index."""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from troupe_es.errors import ToolError
from troupe_es.tools.base import Args, Tool, ToolContext

_INDEXES: dict[str, "CorpusIndex"] = {}
_LOCK = threading.Lock()


def chunk(text: str, size: int) -> list[str]:
    """``text`` cut into chunks of about ``size`` characters, at paragraph then line boundaries."""
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    chunks: list[str] = []
    current = ""
    for part in parts:
        while len(part) > size:
            cut = part.rfind(" ", 0, size)
            cut = cut if cut > size // 2 else size
            if current:
                chunks.append(current)
                current = ""
            chunks.append(part[:cut].strip())
            part = part[cut:].strip()
        if current and len(current) + len(part) + 2 > size:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{part}" if current else part
    if current:
        chunks.append(current)
    return chunks


class CorpusIndex:
    """A lancedb table of a corpus's chunks and their vectors (built once per corpus and
    embedder in this process, in a temporary folder)."""

    def __init__(self, documents: Sequence[dict[str, Any]], embedder: Any, chunk_chars: int) -> None:
        import lancedb
        import pyarrow as pa

        self.embedder = embedder
        rows = []
        for doc in documents:
            for i, text in enumerate(chunk(doc["text"], chunk_chars)):
                rows.append({"document_id": doc["document_id"], "chunk_id": f"{doc['document_id']}#{i}",
                             "title": doc["title"], "text": text})
        if not rows:
            raise ToolError("the search corpus is empty")
        vectors = embedder.embed([r["text"] for r in rows]).astype("float32")
        self.path = tempfile.mkdtemp(prefix="troupe-es-search-")
        db = lancedb.connect(self.path)
        table = pa.table({"document_id": [r["document_id"] for r in rows], "chunk_id": [r["chunk_id"] for r in rows],
                          "title": [r["title"] for r in rows], "text": [r["text"] for r in rows],
                          "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)),
                                                                      vectors.shape[1])})
        self.table = db.create_table("chunks", table)
        self.size = len(rows)

    def search(self, query: str, k: int) -> list[dict[str, Any]]:
        vector = self.embedder.embed([query])[0].astype("float32")
        hits = self.table.search(vector).metric("cosine").limit(min(k, self.size)).to_list()
        out = [{"document_id": h["document_id"], "chunk_id": h["chunk_id"], "title": h["title"], "text": h["text"],
                "score": round(1 - float(h["_distance"]), 4)} for h in hits]
        return sorted(out, key=lambda h: (-h["score"], h["chunk_id"]))


def corpus_index(config: dict[str, Any], embeddings: Any) -> CorpusIndex:
    """The index of the configured corpus (cached by the corpus's content and embedder)."""
    documents = config.get("documents") or []
    name = config.get("embedder") or "wordllama"
    embedder = embeddings.get(name)
    size = int(config.get("chunk_chars") or 600)
    digest = hashlib.sha256(repr((name, embedder.version, size, [(d["document_id"], d["text"]) for d in documents]))
                            .encode()).hexdigest()
    with _LOCK:
        index = _INDEXES.get(digest)
        if index is None:
            index = _INDEXES[digest] = CorpusIndex(documents, embedder, size)
        return index


class SearchArgs(Args):
    query: str = Field(min_length=1, max_length=500)


class Hit(Args):
    document_id: str
    chunk_id: str
    title: str
    text: str
    score: float


class Hits(Args):
    results: list[Hit]
    text: str = Field(description="The results' texts joined (what a chain feeds on).")


class WebSearch(Tool):
    name = "web_search"
    description = "Search the documents available to you (an offline corpus); returns the best passages."
    capabilities = frozenset({"corpus"})
    Arguments = SearchArgs
    Result = Hits

    def run(self, args: SearchArgs, ctx: ToolContext) -> Hits:
        if not ctx.config.get("documents"):
            raise ToolError("there is nothing to search: the scenario has no search_corpus")
        hits = corpus_index(dict(ctx.config), ctx.services["embeddings"]).search(args.query,
                                                                                 int(ctx.config.get("top_k") or 3))
        return Hits(results=[Hit(**h) for h in hits], text="\n\n".join(h["text"] for h in hits))

    def warm_up(self, ctx: ToolContext) -> None:
        """Build (or find) the corpus's index before the call's deadline starts."""
        if ctx.config.get("documents"):
            corpus_index(dict(ctx.config), ctx.services["embeddings"])

    def perceive(self, args: SearchArgs, result: Hits) -> str:
        found = "; ".join(f"[{h.chunk_id}] {h.title}: {' '.join(h.text.split())[:300]}" for h in result.results)
        return f"Search results for {args.query!r}: {found or 'nothing found'}"

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        return [{"query": d["title"][:100]} for d in (ctx.config.get("documents") or [])[:3]]
