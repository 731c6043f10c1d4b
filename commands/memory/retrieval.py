"""Relevance retrieval (Generative Agents' hybrid score), pure over an agent's memories.

``total = w_recency·recency + w_importance·importance + w_relevance·relevance`` where recency
decays exponentially with the *simulated* hours since a memory was last accessed
(``decay ** hours``), importance is the rating divided by 10, and relevance is the cosine
similarity of the memory's and the query's embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

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


@dataclass(frozen=True)
class Scored:
    """One memory's score and its components (rounded: they are recorded)."""

    memory: StoredMemory
    recency: float
    importance: float
    relevance: float
    total: float


def hours_between(earlier: str | None, later: str | None) -> float:
    """Simulated hours from ``earlier`` to ``later`` (ISO texts; 0 when either is unknown)."""
    if not earlier or not later:
        return 0.0
    delta = datetime.fromisoformat(later) - datetime.fromisoformat(earlier)
    return max(0.0, delta.total_seconds() / 3600)


def score(memories: Sequence[StoredMemory], vectors: "np.ndarray", query: "np.ndarray", now: str | None,
          weights: Weights) -> list[Scored]:
    """Every memory scored against ``query`` at simulated time ``now`` (input order)."""
    import numpy as np

    if not memories:
        return []
    hours = np.array([hours_between(m.last_access, now) for m in memories])
    recency = np.power(weights.decay, hours)
    importance = np.array([m.importance / 10 for m in memories])
    relevance = vectors @ query
    total = weights.recency * recency + weights.importance * importance + weights.relevance * relevance
    return [Scored(m, round(float(r), 6), round(float(i), 6), round(float(v), 6), round(float(t), 6))
            for m, r, i, v, t in zip(memories, recency, importance, relevance, total)]


def top(scored: Sequence[Scored], k: int, exclude: frozenset[str] = frozenset()) -> list[Scored]:
    """The ``k`` best, highest total first; ties go to the newer memory (later in the book)."""
    ranked = sorted(((s, i) for i, s in enumerate(scored) if s.memory.id not in exclude),
                    key=lambda pair: (-pair[0].total, -pair[1]))
    return [s for s, _ in ranked[:k]]


def rank_all(scored: Sequence[Any]) -> list[Any]:
    """All memories, highest total first (ties: the newer first)."""
    return top(scored, len(scored))
