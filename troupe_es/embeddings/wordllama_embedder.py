"""The default offline embedder: WordLlama, whose weights ship inside its PyPI wheel.

Loaded from the installed package's own folder with downloads disabled, so nothing is ever
fetched at run time (its default loader would look for ``tokenizer/`` and then try the network).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from troupe_es.embeddings import embedder_version
from troupe_es.errors import ConfigurationError

if TYPE_CHECKING:
    import numpy as np


class WordLlamaEmbedder:
    """WordLlama's 256-dimension embeddings, L2-normalised (deterministic per package version)."""

    name = "wordllama"

    def __init__(self) -> None:
        from pathlib import Path

        import wordllama
        from wordllama import WordLlama

        self.version = embedder_version("wordllama")
        try:
            self._model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        except FileNotFoundError as exc:
            raise ConfigurationError(f"memory.embedder: wordllama's bundled weights are missing ({exc})") from None

    def embed(self, texts: list[str]) -> "np.ndarray":
        import numpy as np

        vectors = np.asarray(self._model.embed(list(texts), norm=False), dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vectors / norms
