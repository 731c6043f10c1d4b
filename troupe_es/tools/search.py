"""Web search, offline: a search over a local corpus — the scenario's ``search_corpus:`` folder,
read when the scenario is loaded and recorded with it in ``RunStarted``, and the scenario's
``documents:`` as ingested into the run (``DocumentChunkIngested``) — through a lancedb index of
their chunks (no internet). Results carry document and chunk ids; replay reads them from
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


def corpus_rows(config: dict[str, Any], state: Any) -> list[dict[str, Any]]:
    """What web search searches: the ``search_corpus`` documents (chunked here, everyone's) and
    the scenario's documents ingested into the run (``DocumentChunkIngested``, with their owner)."""
    size = int(config.get("chunk_chars") or 600)
    rows = [{"document_id": d["document_id"], "chunk_id": f"{d['document_id']}#{i}", "title": d["title"],
             "text": text, "owner": ""}
            for d in config.get("documents") or [] for i, text in enumerate(chunk(d["text"], size))]
    library = getattr(state, "library", None)
    for c in getattr(library, "chunks", ()):
        rows.append({"document_id": c.source, "chunk_id": c.id, "title": c.title, "text": c.text,
                     "owner": c.agent or ""})
    return rows


class CorpusIndex:
    """A lancedb table of the searchable chunks and their vectors (built once per content and
    embedder in this process, in a temporary folder)."""

    def __init__(self, rows: Sequence[dict[str, Any]], embedder: Any) -> None:
        import lancedb
        import pyarrow as pa

        self.embedder = embedder
        vectors = embedder.embed([r["text"] for r in rows]).astype("float32")
        self.path = tempfile.mkdtemp(prefix="troupe-es-search-")
        db = lancedb.connect(self.path)
        columns = {key: [r[key] for r in rows] for key in ("document_id", "chunk_id", "title", "text", "owner")}
        columns["vector"] = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), vectors.shape[1])
        self.table = db.create_table("chunks", pa.table(columns))
        self.size = len(rows)

    def search(self, query: str, k: int, agent: str) -> list[dict[str, Any]]:
        """The ``k`` chunks nearest ``query`` that ``agent`` may read (everyone's and its own)."""
        import numpy as np

        vector = self.embedder.embed([query])[0].astype("float32")
        owner = agent.replace("'", "''")
        # L2 on unit vectors ranks as cosine does, and stays defined for a query of unknown words
        hits = (self.table.search(vector).metric("l2").where(f"owner = '' OR owner = '{owner}'", prefilter=True)
                .limit(min(k, self.size)).to_list())
        out = [{"document_id": h["document_id"], "chunk_id": h["chunk_id"], "title": h["title"], "text": h["text"],
                "score": round(float(np.dot(vector, np.asarray(h["vector"], dtype="float32"))), 4)} for h in hits]
        return sorted(out, key=lambda h: (-h["score"], h["chunk_id"]))


def corpus_index(config: dict[str, Any], state: Any, embeddings: Any) -> CorpusIndex | None:
    """The index of what the run can search (cached by content and embedder); None when empty."""
    rows = corpus_rows(config, state)
    if not rows:
        return None
    name = config.get("embedder") or "wordllama"
    embedder = embeddings.get(name)
    digest = hashlib.sha256(repr((name, embedder.version, [(r["chunk_id"], r["owner"], r["text"]) for r in rows]))
                            .encode()).hexdigest()
    with _LOCK:
        index = _INDEXES.get(digest)
        if index is None:
            if len(_INDEXES) >= 16:
                _INDEXES.clear()
            index = _INDEXES[digest] = CorpusIndex(rows, embedder)
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
        index = corpus_index(dict(ctx.config), ctx.state, ctx.services["embeddings"])
        if index is None:
            raise ToolError("there is nothing to search: the scenario has no search_corpus and no documents")
        hits = index.search(args.query, int(ctx.config.get("top_k") or 3), ctx.agent)
        return Hits(results=[Hit(**h) for h in hits], text="\n\n".join(h["text"] for h in hits))

    def warm_up(self, ctx: ToolContext) -> None:
        """Build (or find) the corpus's index before the call's deadline starts."""
        corpus_index(dict(ctx.config), ctx.state, ctx.services["embeddings"])

    def perceive(self, args: SearchArgs, result: Hits) -> str:
        found = "; ".join(f"[{h.chunk_id}] {h.title}: {' '.join(h.text.split())[:300]}" for h in result.results)
        return f"Search results for {args.query!r}: {found or 'nothing found'}"

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        titles = [d["title"] for d in ctx.config.get("documents") or []]
        library = getattr(ctx.state, "library", None)
        titles += [c.title for c in getattr(library, "chunks", ()) if c.index == 0 and c.agent in (None, ctx.agent)]
        return [{"query": t[:100]} for t in dict.fromkeys(titles)][:3]
