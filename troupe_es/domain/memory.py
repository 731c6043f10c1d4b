"""The memory an agent's fold holds: its stored memories and the counters consolidation,
reflection and monitoring need.

Changed only by memory events (``MemoryStored``, ``MemoryForgotten``, ``MemoriesRecalled``, ...)
through the handlers in :data:`MEMORY_HANDLERS`, which :mod:`troupe_es.domain.evolve` merges
into the one fold. Vectors are not part of the state: they are a pure function of the text and
the run's embedder, kept by the embedder's cache and by the vector index projection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from troupe_es.events.canonical import iso_utc


@dataclass(frozen=True)
class StoredMemory:
    """One memory as the agent holds it."""

    id: str
    kind: str  # episodic, semantic, reflection, document
    text: str
    importance: int
    sim_time: str | None
    last_access: str | None
    recalls: int = 0
    sources: tuple[str, ...] = ()
    place: tuple[int, int] | None = None  # the cell where it was stored, in a grid world (space)
    pad: tuple[float, float, float] | None = None  # the agent's PAD when it was stored (emotions on)


@dataclass(frozen=True)
class MemoryBook:
    """An agent's memories and memory counters."""

    items: tuple[StoredMemory, ...] = ()
    stored: int = 0  # memories ever stored: the next id's counter
    forgotten: int = 0
    consolidated: int = 0  # episodic memories consolidated
    reflections: int = 0
    episodic_since_consolidation: int = 0
    importance_since_reflection: int = 0
    last_consolidation_step: int = 0
    pressure_warned: bool = False
    recalls: int = 0  # MemoriesRecalled events

    def of_kind(self, kind: str) -> tuple[StoredMemory, ...]:
        return tuple(m for m in self.items if m.kind == kind)

    def episodic_count(self) -> int:
        return sum(1 for m in self.items if m.kind == "episodic")

    def by_id(self) -> dict[str, StoredMemory]:
        return {m.id: m for m in self.items}

    def next_id(self, agent: str, offset: int = 0) -> str:
        """The id the ``offset``-th memory stored from now on will get."""
        return f"{agent}:m{self.stored + offset}"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MemoryBook":
        items = tuple(StoredMemory(**{**m, "sources": tuple(m.get("sources", ())),
                                      "place": tuple(m["place"]) if m.get("place") else None,
                                      "pad": tuple(m["pad"]) if m.get("pad") else None})
                      for m in data.get("items", ()))
        return cls(**{**data, "items": items})


def _set(state: Any, agent_state: Any, book: MemoryBook) -> Any:
    agents = dict(state.agents)
    agents[agent_state.name] = replace(agent_state, book=book)
    return replace(state, agents=agents)


def _stored(s: Any, r: Any, e: Any) -> Any:
    agent = s.agents[e.agent]
    book = agent.book
    when = iso_utc(r.sim_time)
    mood = agent.emotion
    item = StoredMemory(e.memory_id, e.kind, e.text, e.importance, when, when, 0, tuple(e.sources),
                        pad=mood.pad if mood is not None else None)
    episodic = e.kind == "episodic"
    book = replace(book, items=book.items + (item,), stored=book.stored + 1,
                   episodic_since_consolidation=book.episodic_since_consolidation + int(episodic),
                   importance_since_reflection=book.importance_since_reflection
                   + (e.importance if e.kind != "reflection" else 0))
    return _set(s, agent, book)


def _forgotten(s: Any, r: Any, e: Any) -> Any:
    agent = s.agents[e.agent]
    book = agent.book
    gone = set(e.memory_ids)
    items = tuple(m for m in book.items if m.id not in gone)
    book = replace(book, items=items, forgotten=book.forgotten + len(book.items) - len(items))
    return _set(s, agent, book)


def _pressure(s: Any, r: Any, e: Any) -> Any:
    agent = s.agents[e.agent]
    return _set(s, agent, replace(agent.book, pressure_warned=True))


def _recalled(s: Any, r: Any, e: Any) -> Any:
    agent = s.agents[e.agent]
    book = agent.book
    ids = set(e.memory_ids)
    when = iso_utc(r.sim_time)
    items = tuple(replace(m, last_access=when, recalls=m.recalls + 1) if m.id in ids else m for m in book.items)
    return _set(s, agent, replace(book, items=items, recalls=book.recalls + 1))


def _consolidated(s: Any, r: Any, e: Any) -> Any:
    agent = s.agents[e.agent]
    world = s.worlds.get(agent.world) if agent.world else None
    book = replace(agent.book, consolidated=agent.book.consolidated + len(e.source_ids),
                   episodic_since_consolidation=0,
                   last_consolidation_step=world.step if world is not None else 0)
    return _set(s, agent, book)


def _reflected(s: Any, r: Any, e: Any) -> Any:
    agent = s.agents[e.agent]
    return _set(s, agent, replace(agent.book, reflections=agent.book.reflections + 1,
                                  importance_since_reflection=0))


MEMORY_HANDLERS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "MemoryStored": _stored,
    "MemoryForgotten": _forgotten,
    "MemoryPressureWarned": _pressure,
    "MemoriesRecalled": _recalled,
    "MemoryConsolidated": _consolidated,
    "ReflectionSynthesized": _reflected,
}
"""Memory event type → fold handler (merged into the one fold by ``evolve``)."""



def memory_summary(book: MemoryBook) -> dict[str, Any]:
    """An agent's memory at a glance: counts by kind, oldest and newest, lifetime counters."""
    kinds: dict[str, int] = {}
    for m in book.items:
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
    times = [m.sim_time for m in book.items if m.sim_time]
    return {"held": len(book.items), "by_kind": kinds, "stored": book.stored, "forgotten": book.forgotten,
            "consolidated": book.consolidated, "reflections": book.reflections, "recalls": book.recalls,
            "oldest": min(times) if times else None, "newest": max(times) if times else None}
