"""The embeddings port: texts in, L2-normalised vectors out.

Adapters: ``wordllama`` (the default: an offline embedder whose weights ship inside its PyPI
wheel; its vectors are a pure function of its package version and the text, so ``RunStarted``
records the version and replay refuses another), ``openai`` (any OpenAI-compatible embeddings
endpoint through the LLM gateway, recorded like chat calls: :mod:`troupe_es.embeddings.remote`),
and ``hash`` (hashed bag of words, for unit tests). :class:`Embeddings` hands out one cached
offline adapter per name; :class:`RunEmbeddings` adds the run's gateway embedder.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Protocol

from troupe_es.errors import ConfigurationError

if TYPE_CHECKING:
    import numpy as np

EMBEDDERS = ("wordllama", "hash", "openai")
OFFLINE = ("wordllama", "hash")
"""Embedders whose vectors are a pure function of their version and the text (never recorded)."""
"""Embedder names a scenario's ``memory.embedder`` may use."""


class Embedder(Protocol):
    """Turns texts into unit vectors, deterministically for a given ``name`` and ``version``."""

    name: str
    version: str

    def embed(self, texts: list[str]) -> "np.ndarray":
        """One L2-normalised float64 row per text."""


def embedder_version(name: str) -> str:
    """The version of embedder ``name`` (no weights are loaded)."""
    if name == "wordllama":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("wordllama")
        except PackageNotFoundError:
            raise ConfigurationError("memory.embedder: wordllama is not installed "
                                     "(pip install wordllama, or use embedder: hash)") from None
    if name == "hash":
        return "1"
    if name == "openai":
        return "remote"
    raise ConfigurationError(f"memory.embedder: unknown embedder {name!r} (use {', '.join(EMBEDDERS)})")


class CachedEmbedder:
    """An embedder that embeds each distinct text once (memories are re-scored every turn).

    Vectors live as rows of one growing float32 matrix; :meth:`similarities` scores many cached
    texts against a query with one matrix product."""

    def __init__(self, inner: Any, limit: int = 500_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.version = inner.version
        self.limit = limit
        self._rows: dict[str, int] = {}
        self._matrix: Any = None
        self._lock = threading.Lock()

    def _ensure(self, texts: list[str]) -> None:
        import numpy as np

        rows = self._rows
        missing = list(dict.fromkeys(t for t in texts if t not in rows))
        if not missing:
            return
        vectors = np.asarray(self.inner.embed(missing), dtype=np.float32)
        with self._lock:
            if self._matrix is None or len(self._rows) + len(missing) > self.limit:
                self._rows, self._matrix = {}, np.zeros((max(1024, 2 * len(missing)), vectors.shape[1]), np.float32)
            used = len(self._rows)
            if used + len(missing) > len(self._matrix):
                grown = np.zeros((max(2 * len(self._matrix), used + len(missing)), vectors.shape[1]), np.float32)
                grown[:used] = self._matrix[:used]
                self._matrix = grown
            self._matrix[used:used + len(missing)] = vectors
            self._rows.update((t, used + i) for i, t in enumerate(missing))

    def embed(self, texts: list[str]) -> "np.ndarray":
        """One unit row per text (float32)."""
        import numpy as np

        if not texts:
            return np.zeros((0, 1), np.float32)
        self._ensure(texts)
        with self._lock:
            return self._matrix[[self._rows[t] for t in texts]]

    def similarities(self, texts: list[str], query: str, **_: Any) -> "np.ndarray":
        """Cosine similarity of each of ``texts`` to ``query``. Each row's dot product is computed
        the same way whatever else the cache holds (einsum over contiguous float32 rows, not
        BLAS), so a replay in a fresh process records the very same figures."""
        import numpy as np

        rows = self._rows
        index = list(map(rows.get, texts))
        missing = [t for t, i in zip(texts, index) if i is None] if None in index else []
        if missing or query not in rows:
            self._ensure(missing + [query])
            if missing or self._rows is not rows:  # new rows, or the cache started over
                rows = self._rows
                self._ensure(list(texts))
                index = [rows[t] for t in texts]
        with self._lock:
            used = len(rows)
            picked = np.array(index, dtype=np.int64)
            query_row = self._matrix[rows[query]]
            if 4 * len(picked) < used:  # a few texts of a big cache: gather them first
                return np.einsum("ij,j->i", self._matrix[picked], query_row)
            return np.einsum("ij,j->i", self._matrix[:used], query_row)[picked]


class Embeddings:
    """The embedders of a process, by name, loaded on first use."""

    def __init__(self) -> None:
        self._loaded: dict[str, CachedEmbedder] = {}
        self._lock = threading.Lock()

    def get(self, name: str, model: str | None = None) -> CachedEmbedder:
        """The offline embedder ``name`` (``model`` is for remote embedders only)."""
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = CachedEmbedder(_make(name))
            return self._loaded[name]

    def info(self, name: str, model: str | None = None) -> dict[str, str]:
        """``{"name", "version"}`` of embedder ``name`` (a remote one: its model), without loading it."""
        return {"name": name, "version": model if name == "openai" and model else embedder_version(name)}


class RunEmbeddings:
    """One run's embedders: the process's offline ones, and its own gateway embedder."""

    def __init__(self, offline: Embeddings, bus: Any) -> None:
        self.offline = offline
        self.bus = bus
        self._remote: dict[str, Any] = {}

    def get(self, name: str, model: str | None = None) -> Any:
        if name != "openai":
            return self.offline.get(name)
        from troupe_es.embeddings.remote import GatewayEmbedder

        model = model or "text-embedding-3-small"
        if model not in self._remote:
            self._remote[model] = GatewayEmbedder(self.bus, model)
        return self._remote[model]

    def info(self, name: str, model: str | None = None) -> dict[str, str]:
        return self.offline.info(name, model)


def _make(name: str) -> Any:
    embedder_version(name)  # a clear error for an unknown or missing embedder
    if name not in OFFLINE:
        raise ConfigurationError(f"memory.embedder: {name} embeds through a run's gateway, not offline")
    if name == "wordllama":
        from troupe_es.embeddings.wordllama_embedder import WordLlamaEmbedder

        return WordLlamaEmbedder()
    from troupe_es.embeddings.hashing import HashEmbedder

    return HashEmbedder()
