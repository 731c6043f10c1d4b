"""The memory capability: what an agent's turn remembers, recalls and stores.

Registered in ``bootstrap.CAPABILITIES``. Without a ``memory:`` section in the scenario a turn
shows the last perceptions and actions of the agent's working window (and records nothing).
With one, each turn recalls the best memories by the hybrid score (``MemoriesRecalled``,
recorded with the request, before the call), shows them with the newest few and what is new,
asks the model to rate how important the new things are, and stores perceptions and actions as
episodic memories (``MemoryStored``), forgetting per the cleanup strategy at the limit.
Consolidation and reflection run after each step (:mod:`troupe_es.commands.memory.maintain`).
"""

from __future__ import annotations

import logging
from operator import attrgetter
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from troupe_es.commands.emotions import mood_scores
from troupe_es.commands.memory.config import memory_settings, weights_of
from troupe_es.commands.memory.decide import decide_memory
from troupe_es.commands.memory.maintain import maintain
from troupe_es.commands.memory.prompt import memory_section
from troupe_es.commands.memory.retrieval import rank
from troupe_es.commands.space.memory import proximity
from troupe_es.commands.turn import Preparation, recent_memory_lines
from troupe_es.domain import AgentState, RunState
from troupe_es.errors import ConfigurationError
from troupe_es.events import Event, MemoriesRecalled, MemoryPressureWarned

log = logging.getLogger("troupe_es.memory")
TEXT = attrgetter("text")

IMPORTANCE_FIELD = Field(ge=1, le=10, description=(
    "How important is what you perceived since your last turn, for you: 1 (mundane, e.g. small "
    "talk) to 10 (life-changing, or a fact you must remember)."))


def now_of(state: RunState, agent: AgentState) -> str | None:
    """The agent's simulated clock (its world's)."""
    world = state.worlds.get(agent.world) if agent.world else None
    return world.clock if world is not None else None


def query_text(agent: AgentState) -> str:
    """What a turn's recall searches for: what is new, else the agent's attention and goals."""
    fresh = [m.text for m in agent.new_memories() if m.kind != "did"]
    return " ".join(fresh) or " ".join([agent.attention, *agent.goals]).strip() or agent.name


def embedder_for(state: RunState, spec: Any, services: Mapping[str, Any]) -> Any:
    """The run's embedder; refuses one whose version differs from what ``RunStarted`` recorded."""
    embedder = services["embeddings"].get(spec.embedder, spec.embedding_model)
    recorded = state.embedder
    if recorded and (recorded.get("name"), recorded.get("version")) != (embedder.name, embedder.version):
        raise ConfigurationError(
            f"run {state.run_id} recorded embedder {recorded.get('name')} {recorded.get('version')}, this "
            f"installation has {embedder.name} {embedder.version}: install that version to replay or resume it")
    return embedder


class MemoryCapability:
    """Memory's contribution to a turn (see the module docstring)."""

    name = "memory"

    def active(self, state: RunState, agent: str) -> bool:
        return True

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        return {"importance": (int, IMPORTANCE_FIELD)} if state.memory_config is not None else {}

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        return ()

    def section(self, state: RunState, agent: str) -> list[str]:
        spec = memory_settings(state, agent)
        a = state.agents[agent]
        if spec is None:
            return recent_memory_lines(a)
        newest = a.book.items[-spec.newest_memories:] if spec.newest_memories else ()
        return memory_section(a, (), newest, spec.memory_prompt_tokens)[0]

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        spec = memory_settings(state, agent)
        a = state.agents[agent]
        if spec is None:
            return Preparation(lines=tuple(recent_memory_lines(a)))
        items = a.book.items
        newest = items[-spec.newest_memories:] if spec.newest_memories else ()
        candidates = items[: len(items) - len(newest)]
        picked = []
        query = query_text(a)
        if candidates and spec.retrieval_top_k and not state.library.is_grounded(agent):  # grounded: documents only
            embedder = embedder_for(state, spec, services)
            relevance = embedder.similarities(list(map(TEXT, candidates)), query, agent=agent)
            weights = weights_of(spec)
            near = proximity(state, agent, candidates) if weights.proximity else None
            picked = rank(candidates, relevance, now_of(state, a), weights, spec.retrieval_top_k, near,
                          mood_scores(state, agent, candidates))
        lines, fitting = memory_section(a, [s.memory for s in picked], newest, spec.memory_prompt_tokens)
        picked = picked[:fitting]
        events: tuple[Event, ...] = ()
        if picked:
            events = (MemoriesRecalled(
                agent=agent, query=query, memory_ids=[s.memory.id for s in picked],
                recency=[s.recency for s in picked], importance=[s.importance for s in picked],
                relevance=[s.relevance for s in picked], total=[s.total for s in picked]),)
        return Preparation(lines=tuple(lines), events=events)

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        spec = memory_settings(state, agent)
        if spec is None:
            return []
        a = state.agents[agent]
        importance = int(getattr(output, "importance", 3))
        events = decide_memory(a, turn, importance, now_of(state, a), spec)
        for event in events:
            if isinstance(event, MemoryPressureWarned):
                log.warning("%s's episodic memory is at %d of %d: cleanup (%s) starts at the limit",
                            agent, event.size, event.limit, spec.memory_cleanup_strategy)
        return events

    def after_step(self, bus: Any, world: str, step: int, causation_id: str | None) -> list[Any]:
        """Consolidation, reflection and the forgetting curve (see ``maintain``)."""
        return maintain(bus, world, step, causation_id)


MEMORY = MemoryCapability()
"""The memory capability instance ``bootstrap`` registers."""
