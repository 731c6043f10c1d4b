"""Spatial memory: how near an agent now stands to where each memory was made (memories
stored in a grid world carry ``place``, the cell the agent stood on)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from troupe_es.domain import RunState
from troupe_es.domain.memory import StoredMemory
from troupe_es.space.sight import distance

SCALE = 10.0
"""Cells at which a memory's proximity is one half."""


def proximity(state: RunState, agent: str, memories: Sequence[StoredMemory]) -> Any:
    """Per memory, ``1 / (1 + cells away / SCALE)`` from the agent's cell to where it was made
    (0 for memories without a place); None outside a grid world."""
    import numpy as np

    a = state.agents[agent]
    world = state.worlds.get(a.world) if a.world else None
    here = world.space.positions.get(agent) if world is not None and world.space is not None else None
    if here is None:
        return None
    return np.array([1.0 / (1.0 + distance(here, m.place) / SCALE) if m.place else 0.0 for m in memories],
                    dtype=np.float64)
