"""The opt-in semantic LLM cache (``troupe-es run --semantic-cache THRESHOLD``).

A call that misses the exact cache may reuse a recorded completion whose request is similar
enough: the cosine similarity of the two requests' embeddings (the offline embedder, over the
messages' text) is at least ``threshold``, for the same model and the same response schema. The
reuse is recorded on the ``LLMCallCompleted`` as ``cache_status: semantic`` with the similarity
and the reused call's id. It is never used in strict replay (a replay answers from its run only).
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from troupe_es.events import LLMCallCompleted
    from troupe_es.llm.request import ChatRequest
    from troupe_es.store.base import EventStore


def request_text(messages: list[dict[str, Any]]) -> str:
    """What a request says: its messages' roles and contents."""
    return "\n".join(f"{m.get('role', '')}: {m.get('content', '')}" for m in messages)


def _group(model: str, schema: Any) -> str:
    return model + "|" + hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()


class SemanticCache:
    """Completions of the store by (model, schema), with their requests' embeddings."""

    def __init__(self, store: "EventStore", threshold: float, embedder: Any) -> None:
        self.store = store
        self.threshold = threshold
        self.embedder = embedder
        self._groups: dict[str, tuple[list[str], list[Any], Any]] = {}  # group -> (call ids, completions, matrix)
        self._loaded = False
        self._lock = threading.Lock()

    def _load(self) -> None:
        requests: dict[str, Any] = {}
        found: dict[str, list[tuple[str, str, Any]]] = {}
        for rec in self.store.read(types=["LLMCallRequested", "LLMCallCompleted"]):
            e = rec.event
            if e.type == "LLMCallRequested":
                if e.purpose != "embedding":
                    requests[rec.event_id] = e
            elif rec.causation_id in requests and e.cache_status == "miss":
                req = requests.pop(rec.causation_id)
                found.setdefault(_group(req.model, req.response_schema), []).append(
                    (request_text(req.messages), e.call_id, e))
        for group, items in found.items():
            self._add(group, [t for t, _, _ in items], [c for _, c, _ in items], [e for _, _, e in items])
        self._loaded = True

    def _add(self, group: str, texts: list[str], call_ids: list[str], completions: list[Any]) -> None:
        import numpy as np

        vectors = np.asarray(self.embedder.inner.embed(texts), dtype=np.float32)
        ids, done, matrix = self._groups.get(group, ([], [], None))
        matrix = vectors if matrix is None else np.vstack([matrix, vectors])
        self._groups[group] = (ids + call_ids, done + completions, matrix)

    def lookup(self, request: "ChatRequest") -> tuple["LLMCallCompleted", float, str] | None:
        """The most similar recorded completion at or above the threshold, its similarity and call id."""
        import numpy as np

        with self._lock:
            if not self._loaded:
                self._load()
            entry = self._groups.get(_group(request.model, request.response_schema))
            if entry is None:
                return None
            ids, done, matrix = entry
            query = np.asarray(self.embedder.inner.embed([request_text(request.messages)]), dtype=np.float32)[0]
            sims = np.einsum("ij,j->i", matrix, query)
            best = int(np.argmax(sims))
            similarity = round(float(sims[best]), 6)
            return (done[best], similarity, ids[best]) if similarity >= self.threshold else None

    def add(self, request: "ChatRequest", completed: "LLMCallCompleted") -> None:
        """Remember a completion this process paid for."""
        with self._lock:
            if self._loaded:
                self._add(_group(request.model, request.response_schema), [request_text(request.messages)],
                          [completed.call_id], [completed])
