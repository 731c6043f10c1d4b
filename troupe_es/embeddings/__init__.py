"""The embeddings port: texts in, L2-normalised vectors out.

Adapters: ``wordllama`` (the default: an offline embedder whose weights ship inside its PyPI
wheel; its vectors are a pure function of its package version and the text, so ``RunStarted``
records the version and replay refuses another), and ``hash`` (hashed bag of words, for unit
tests). :class:`Embeddings` hands out one cached adapter per name; vectors are cached per text.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Protocol

from troupe_es.errors import ConfigurationError

if TYPE_CHECKING:
    import numpy as np

EMBEDDERS = ("wordllama", "hash")
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
    raise ConfigurationError(f"memory.embedder: unknown embedder {name!r} (use {', '.join(EMBEDDERS)})")


class CachedEmbedder:
    """An embedder that embeds each distinct text once (memories are re-scored every turn)."""

    def __init__(self, inner: Any, limit: int = 200_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.version = inner.version
        self.limit = limit
        self._vectors: dict[str, Any] = {}
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> "np.ndarray":
        import numpy as np

        found = {t: self._vectors.get(t) for t in dict.fromkeys(texts)}
        missing = [t for t, v in found.items() if v is None]
        if missing:
            rows = self.inner.embed(missing)
            found.update(zip(missing, rows))
            with self._lock:
                if len(self._vectors) + len(missing) > self.limit:
                    self._vectors.clear()
                self._vectors.update(zip(missing, rows))
        if not texts:
            return np.zeros((0, 1))
        return np.vstack([found[t] for t in texts])


class Embeddings:
    """The embedders of a process, by name, loaded on first use."""

    def __init__(self) -> None:
        self._loaded: dict[str, CachedEmbedder] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> CachedEmbedder:
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = CachedEmbedder(_make(name))
            return self._loaded[name]

    def info(self, name: str) -> dict[str, str]:
        """``{"name", "version"}`` of embedder ``name``, without loading it."""
        return {"name": name, "version": embedder_version(name)}


def _make(name: str) -> Any:
    embedder_version(name)  # a clear error for an unknown or missing embedder
    if name == "wordllama":
        from troupe_es.embeddings.wordllama_embedder import WordLlamaEmbedder

        return WordLlamaEmbedder()
    from troupe_es.embeddings.hashing import HashEmbedder

    return HashEmbedder()
