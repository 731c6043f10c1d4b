"""The simulation's domain state and its one pure fold (shared by write and read sides)."""

from troupe_es.domain.evolve import STATE_EVENT_TYPES, evolve, fold_state, initial
from troupe_es.domain.state import MEMORY_WINDOW, AgentState, MemoryItem, RunState, WorldState

__all__ = ["MEMORY_WINDOW", "STATE_EVENT_TYPES", "AgentState", "MemoryItem", "RunState", "WorldState",
           "evolve", "fold_state", "initial"]
