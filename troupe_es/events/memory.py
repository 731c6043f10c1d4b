"""Memory events: what an agent stores, recalls, consolidates, reflects on and forgets.

Every memory write is one of these events; the fold (``troupe_es.domain.memory``) and the
vector index (``projections/memory.py``) are rebuilt from them. Memory ids are derived from the
agent and a per-agent counter (``Lisa:m41``), never random, so a replay reproduces them. Source
references name events by ``stream@version`` (deterministic too, unlike event ids).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from troupe_es.events.base import Event

MemoryKind = Literal["episodic", "semantic", "reflection", "document"]
ForgetReason = Literal["fifo", "age", "relevance", "decayed", "consolidated"]


class MemoryStored(Event):
    """An agent stored a memory: something it perceived or did (episodic), a consolidated fact
    (semantic), an insight (reflection) or a document chunk."""

    type: Literal["MemoryStored"] = "MemoryStored"
    agent: str
    memory_id: str = Field(description="Deterministic id: agent and per-agent counter (e.g. Lisa:m41).")
    kind: MemoryKind
    text: str
    importance: int = Field(ge=1, le=10, description="1 (mundane) to 10 (life-changing), rated by the LLM.")
    sources: list[str] = Field(default_factory=list,
                               description="What it came from: events as stream@version, or memory ids.")


class MemoryForgotten(Event):
    """Memories left an agent's memory: the episodic limit was reached (fifo, age or relevance),
    they decayed along the forgetting curve, or consolidation replaced them."""

    type: Literal["MemoryForgotten"] = "MemoryForgotten"
    agent: str
    memory_ids: list[str] = Field(min_length=1)
    reason: ForgetReason


class MemoryPressureWarned(Event):
    """An agent's episodic memory reached 80% of its limit; cleanup starts at the limit."""

    type: Literal["MemoryPressureWarned"] = "MemoryPressureWarned"
    agent: str
    size: int = Field(ge=0)
    limit: int = Field(ge=1)


class MemoriesRecalled(Event):
    """Memories retrieved into a turn's prompt, recorded before the LLM call: the query and, per
    memory, the hybrid score's components. Replay and time travel read this, never an index."""

    type: Literal["MemoriesRecalled"] = "MemoriesRecalled"
    agent: str
    query: str
    memory_ids: list[str]
    recency: list[float] = Field(description="Recency component per memory, 0..1.")
    importance: list[float] = Field(description="Importance component per memory, 0..1.")
    relevance: list[float] = Field(description="Relevance component (cosine similarity) per memory.")
    total: list[float] = Field(description="Weighted total per memory (the ranking).")
    citations: list[str] = Field(
        default_factory=list, description="Per memory, where a document chunk comes from (SOURCE#CHUNK, e.g. "
                                          "brief.md#2); empty when no document chunk was recalled.")

    def payload(self) -> dict[str, Any]:
        """As :meth:`Event.payload`, without ``citations`` when empty (older runs' hashes hold)."""
        data = super().payload()
        if not data.get("citations"):
            data.pop("citations", None)
        return data


class MemoryConsolidated(Event):
    """An episode of episodic memories was summarised into semantic memories (one LLM call)."""

    type: Literal["MemoryConsolidated"] = "MemoryConsolidated"
    agent: str
    source_ids: list[str] = Field(min_length=1, description="Episodic memories consolidated.")
    memory_ids: list[str] = Field(min_length=1, description="The semantic memories stored from them.")


class ReflectionSynthesized(Event):
    """An insight drawn from an agent's memories (Generative Agents' reflection); the insight is
    stored as a retrievable ``reflection`` memory."""

    type: Literal["ReflectionSynthesized"] = "ReflectionSynthesized"
    agent: str
    memory_id: str = Field(description="The reflection memory holding the insight.")
    insight: str
    cited_ids: list[str] = Field(min_length=1, description="The memories the insight rests on.")
