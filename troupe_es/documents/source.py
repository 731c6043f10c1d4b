"""Where ingestion gets its chunks: the :class:`DocumentSource` port.

A live run reads the files (:class:`FileDocuments`) and chunks them; a replay re-executes the
same ingestion against the chunks the run recorded (:class:`RecordedDocuments`) and never opens
a file, so a document changed or deleted after the run changes nothing in its replay.
``bootstrap.make_bus`` installs the right one as ``services["documents"]``.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from troupe_es.documents.chunking import chunk_text, normalise
from troupe_es.documents.readers import read_documents
from troupe_es.events.canonical import sha256_hex
from troupe_es.events.documents import DocumentChunkIngested

Document = list[DocumentChunkIngested]
"""One document's chunks, in order."""


def chunk_id(document_hash: str, index: int) -> str:
    """The deterministic id of chunk ``index`` of the document with ``document_hash``."""
    return f"doc:{document_hash[:12]}:{index}"


def citation(chunk: Any) -> str:
    """How a recalled chunk is cited: ``SOURCE#INDEX``."""
    return f"{chunk.source}#{chunk.index}"


def chunk_events(agent: str | None, source: str, title: str, text: str, chunk_size: int,
                 chunk_overlap: int) -> Document:
    """The ``DocumentChunkIngested`` events of one document's text (pure)."""
    document_hash = sha256_hex(normalise(text))
    pieces = chunk_text(text, chunk_size, chunk_overlap)
    return [DocumentChunkIngested(agent=agent, source=source, title=title, document_hash=document_hash,
                                  chunk_id=chunk_id(document_hash, i), index=i, chunks=len(pieces), text=piece,
                                  chunk_hash=sha256_hex(piece), chunk_size=chunk_size,
                                  chunk_overlap=chunk_overlap)
            for i, piece in enumerate(pieces)]


class DocumentSource(Protocol):
    """Gives ingestion the chunks of one documents entry (a file or a folder)."""

    def ingest(self, path: str, *, base_dir: str | None, agent: str | None, chunk_size: int,
               chunk_overlap: int, where: str = "") -> list[Document]:
        """One chunk list per document the entry stands for (documents without text left out)."""


class FileDocuments:
    """Reads and chunks the files (live runs)."""

    def ingest(self, path: str, *, base_dir: str | None, agent: str | None, chunk_size: int,
               chunk_overlap: int, where: str = "") -> list[Document]:
        out = []
        for doc in read_documents(path, base_dir, where):
            chunks = chunk_events(agent, doc.source, doc.title, doc.text, chunk_size, chunk_overlap)
            if chunks:
                out.append(chunks)
        return out


def _within(source: str, path: str) -> bool:
    prefix = path.rstrip("/\\")
    return source == path or source == prefix or source.startswith(prefix + "/")


class RecordedDocuments:
    """The chunks a run recorded, handed out again in the order they were ingested (replay)."""

    def __init__(self, store: Any, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self._documents: list[Document] | None = None
        self._used: set[int] = set()
        self._lock = threading.Lock()

    def _load(self) -> list[Document]:
        if self._documents is None:
            documents: list[Document] = []
            for rec in self.store.read(run_id=self.run_id, types=["DocumentChunkIngested"]):
                e = rec.event
                if e.index == 0 or not documents:
                    documents.append([])
                documents[-1].append(e)
            self._documents = documents
        return self._documents

    def ingest(self, path: str, *, base_dir: str | None, agent: str | None, chunk_size: int,
               chunk_overlap: int, where: str = "") -> list[Document]:
        with self._lock:
            found: list[Document] = []
            sources: set[str] = set()
            for i, doc in enumerate(self._load()):
                first = doc[0]
                if i in self._used or first.agent != agent or first.source in sources \
                        or not _within(first.source, path) or first.chunk_size != chunk_size \
                        or first.chunk_overlap != chunk_overlap:
                    continue
                self._used.add(i)
                sources.add(first.source)
                found.append(doc)
            return found  # nothing recorded: the replay records nothing either (verify compares)


def document_source(gateway: Any) -> DocumentSource:
    """The source a bus with ``gateway`` ingests from: recorded chunks when it replays a run."""
    replay = getattr(gateway, "_replay", None) if getattr(gateway, "mode", None) == "replay" else None
    if replay is not None:
        return RecordedDocuments(gateway.store, replay.run_id)
    return FileDocuments()


__all__ = ["Document", "DocumentSource", "FileDocuments", "RecordedDocuments", "chunk_events",
           "chunk_id", "citation", "document_source"]
