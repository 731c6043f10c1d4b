"""Relevance retrieval (Generative Agents' hybrid score), pure over an agent's memories.

``total = w_recency·recency + w_importance·importance + w_relevance·relevance`` where recency
decays exponentially with the *simulated* hours since a memory was last accessed
(``decay ** hours``), importance is the rating divided by 10, and relevance is the cosine
similarity of the memory's and the query's embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from datetime import datetime
from typing import TYPE_CHECKING

from troupe_es.domain.memory import StoredMemory

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Weights:
    """The hybrid score's weights and the recency decay per simulated hour."""

    recency: float = 1.0
    importance: float = 1.0
    relevance: float = 1.0
    decay: float = 0.995
    proximity: float = 0.0  # grid worlds: weight of how near the memory was made (space)


@dataclass(frozen=True)
class Scored:
    """One memory's score and its components (rounded: they are recorded)."""

    memory: StoredMemory
    recency: float
    importance: float
    relevance: float
    total: float


_LAST_ACCESS = attrgetter("last_access")
_IMPORTANCE = attrgetter("importance")


@lru_cache(maxsize=1 << 16)
def _epoch_hours(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp() / 3600


def hours_between(earlier: str | None, later: str | None) -> float:
    """Simulated hours from ``earlier`` to ``later`` (ISO texts; 0 when either is unknown)."""
    if not earlier or not later:
        return 0.0
    return max(0.0, _epoch_hours(later) - _epoch_hours(earlier))


def rank(memories: Sequence[StoredMemory], relevance: "np.ndarray", now: str | None, weights: Weights,
         k: int, proximity: "np.ndarray | None" = None, mood: "np.ndarray | None" = None) -> list[Scored]:
    """The ``k`` best of ``memories`` (highest total first; ties go to the newer memory, later in
    the book), given each one's ``relevance`` (cosine similarity to the query), at simulated
    time ``now``. Vectorised: only the ``k`` winners become :class:`Scored`. ``mood``: an extra
    term per memory added to the total (mood congruence, from the emotions capability)."""
    import numpy as np

    n = len(memories)
    if n == 0 or k <= 0:
        return []
    accessed = list(map(_LAST_ACCESS, memories))
    at = {text: _epoch_hours(text) for text in set(accessed) if text}  # few distinct clock readings
    at[None] = np.nan
    last = np.fromiter(map(at.__getitem__, accessed), dtype=np.float64, count=n)
    hours = np.nan_to_num(_epoch_hours(now) - last, nan=0.0) if now else np.zeros(n)
    recency = np.power(weights.decay, np.maximum(hours, 0.0))
    importance = np.fromiter(map(_IMPORTANCE, memories), dtype=np.float64, count=n) / 10
    relevance = np.asarray(relevance, dtype=np.float64)
    total = weights.recency * recency + weights.importance * importance + weights.relevance * relevance
    if proximity is not None and weights.proximity:
        total = total + weights.proximity * np.asarray(proximity, dtype=np.float64)
    if mood is not None:
        total = total + mood
    rounded = np.round(total, 6)
    if k < n:
        cut = np.partition(rounded, n - k)[n - k]
        candidates = np.nonzero(rounded >= cut)[0]
    else:
        candidates = np.arange(n)
    order = sorted(candidates.tolist(), key=lambda i: (-rounded[i], -i))[:k]
    return [Scored(memories[i], round(float(recency[i]), 6), round(float(importance[i]), 6),
                   round(float(relevance[i]), 6), float(rounded[i])) for i in order]


def score(memories: Sequence[StoredMemory], vectors: "np.ndarray", query: "np.ndarray", now: str | None,
          weights: Weights) -> list[Scored]:
    """Every memory scored against ``query`` (unit vectors) at ``now``, best first."""
    return rank(memories, vectors @ query, now, weights, len(memories))
