"""Pure memory decisions of a turn: what the agent stores and what it has to forget.

What an agent perceived since its last turn and what it did in this one become episodic
memories (``MemoryStored``), rated by the turn's own structured output (no extra call). When the
episodic memories pass ``max_episodic_memory_size`` the cleanup strategy picks which go
(``MemoryForgotten``); at 80% of the limit ``MemoryPressureWarned`` is recorded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from troupe_es.commands.memory.retrieval import hours_between
from troupe_es.domain import AgentState
from troupe_es.domain.memory import MemoryBook, StoredMemory
from troupe_es.events import ActionTaken, Event, MemoryForgotten, MemoryPressureWarned, MemoryStored

PRESSURE = 0.8
"""Share of the episodic limit at which ``MemoryPressureWarned`` is recorded."""


def perception_text(kind: str, text: str, source: str | None) -> str:
    """How a perception reads as a memory: ``heard from Oscar: ...``."""
    return f"{kind}" + (f" from {source}" if source else "") + f": {text}"


def action_text(action: ActionTaken) -> str:
    """How an action reads as a memory: ``I said to Oscar: ...``."""
    verb = {"TALK": "said", "THINK": "thought", "REACH_OUT": "reached out"}.get(action.action, action.action.lower())
    return f"I {verb}" + (f" to {action.target}" if action.target else "") + f": {action.content}"


def new_episodes(agent: AgentState, turn: Sequence[Event]) -> list[tuple[str, list[str]]]:
    """``(text, sources)`` of what becomes episodic memory this turn: perceptions since the last
    turn (referenced as ``stream@version``), then the turn's actions other than DONE."""
    out = [(perception_text(m.kind, m.text, m.source), [m.ref] if m.ref else [])
           for m in agent.new_memories() if m.kind != "did"]
    out += [(action_text(e), []) for e in turn if isinstance(e, ActionTaken) and e.action != "DONE"]
    return out


def victims(items: Sequence[StoredMemory], count: int, strategy: str, now: str | None, spec: Any) -> list[str]:
    """Ids of the ``count`` episodic memories the cleanup ``strategy`` removes.

    ``fifo``: the first stored; ``age``: the longest unaccessed (simulated time); ``relevance``:
    the lowest importance-and-recency value (the hybrid score without a query)."""
    episodic = [(i, m) for i, m in enumerate(items) if m.kind == "episodic"]
    if strategy == "age":
        episodic.sort(key=lambda p: (p[1].last_access or "", p[0]))
    elif strategy == "relevance":
        def value(pair: tuple[int, StoredMemory]) -> tuple[float, int]:
            m = pair[1]
            recency = spec.recency_decay ** hours_between(m.last_access, now)
            return (spec.importance_weight * m.importance / 10 + spec.recency_weight * recency, pair[0])
        episodic.sort(key=value)
    return [m.id for _, m in episodic[:count]]


def decide_memory(agent: AgentState, turn: Sequence[Event], importance: int, now: str | None,
                  spec: Any) -> list[Event]:
    """The memory events of ``agent``'s turn (pure). Room is made first, so the agent never
    holds more than ``max_episodic_memory_size`` episodic memories at any position of the log;
    when a single turn brings more than the limit, only its newest ones are stored."""
    book: MemoryBook = agent.book
    limit = spec.max_episodic_memory_size
    episodes = new_episodes(agent, turn)[-limit:]
    events: list[Event] = []
    size = book.episodic_count()
    excess = size + len(episodes) - limit
    if excess > 0:
        gone = victims(book.items, excess, spec.memory_cleanup_strategy, now, spec)
        events.append(MemoryForgotten(agent=agent.name, memory_ids=gone, reason=spec.memory_cleanup_strategy))
        size -= len(gone)
    for offset, (text, sources) in enumerate(episodes):
        events.append(MemoryStored(agent=agent.name, memory_id=book.next_id(agent.name, offset), kind="episodic",
                                   text=text, importance=importance, sources=sources))
    size += len(episodes)
    if not book.pressure_warned and size >= PRESSURE * limit:
        events.append(MemoryPressureWarned(agent=agent.name, size=size, limit=limit))
    return events
