"""A hashed bag-of-words embedder for unit tests (fast, deterministic, no model)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from troupe_es.llm.mock import mock_embedding

if TYPE_CHECKING:
    import numpy as np


class HashEmbedder:
    """Texts sharing words get similar vectors; nothing else is captured. Tests only."""

    name = "hash"
    version = "1"

    def embed(self, texts: list[str]) -> "np.ndarray":
        import numpy as np

        return np.asarray([mock_embedding(t) for t in texts], dtype=np.float64)
