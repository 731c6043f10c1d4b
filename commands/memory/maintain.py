"""Memory upkeep after each world step: consolidation, reflection and the forgetting curve.

* **Consolidation** (``auto_consolidate``): once ``consolidation_threshold`` episodic memories
  were stored since the last one (or every ``consolidate_every_n_steps`` steps), one LLM call per
  agent turns that episode into a semantic memory that keeps its names and numbers
  (``MemoryStored`` kind semantic, then ``MemoryConsolidated``: source ids → new ids).
* **Reflection**: once the importance stored since the last reflection sums to
  ``reflection_threshold`` (150, as in Generative Agents), one LLM call draws up to
  ``max_reflections`` insights, each citing the memories it rests on (``ReflectionSynthesized``).
* **Forgetting curve** (``forgetting_curve``, off by default): retention ``R = exp(-t/S)`` with
  ``t`` the simulated hours since last access and ``S = stability_hours · (1 + recalls) ·
  importance / 5``; memories below ``forgetting_threshold`` are forgotten (reason ``decayed``).

Requests are committed before any provider is called, like turns.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from troupe_es.commands.emotions import stability_factor
from troupe_es.commands.memory.config import memory_settings
from troupe_es.commands.memory.retrieval import hours_between
from troupe_es.commands.turn import clip
from troupe_es.domain import AgentState, RunState
from troupe_es.domain.memory import StoredMemory
from troupe_es.events import Event, MemoryConsolidated, MemoryForgotten, MemoryStored, ReflectionSynthesized

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus

REFLECTION_WINDOW = 60
"""Most recent memories a reflection looks at."""


class ConsolidationOutput(BaseModel):
    """One episode summarised as a lasting fact."""

    model_config = ConfigDict(extra="forbid")
    summary: str = Field(description="What to remember from these memories, keeping every name and number.")
    importance: int = Field(ge=1, le=10, description="How important the summary is, 1 to 10.")


class Insight(BaseModel):
    model_config = ConfigDict(extra="forbid")
    insight: str = Field(description="A high-level insight about yourself, others or the situation.")
    evidence: list[int] = Field(description="Numbers of the memories the insight rests on.")


class ReflectionOutput(BaseModel):
    """Insights drawn from recent memories."""

    model_config = ConfigDict(extra="forbid")
    insights: list[Insight]


CONSOLIDATE = """You are {name}. Below are memories of a recent episode. Summarise what you should \
remember from them as one short paragraph of facts, keeping every name and number. Reply with JSON only: \
"summary" and "importance" (1 to 10)."""
REFLECT = """You are {name}. Below are your recent memories, numbered. What up to {n} high-level insights \
can you infer from them? Reply with JSON only: "insights", each with "insight" and "evidence" (the numbers \
of the memories it rests on)."""


def episode(agent: AgentState, spec: Any, step: int) -> list[StoredMemory]:
    """The episodic memories to consolidate now (empty: not yet)."""
    book = agent.book
    if not spec.auto_consolidate:
        return []
    due = book.episodic_since_consolidation >= spec.consolidation_threshold
    every = spec.consolidate_every_n_steps
    if every and step + 1 - book.last_consolidation_step >= every:
        due = True
    if not due:
        return []
    consolidated = {src for m in book.items if m.kind == "semantic" for src in m.sources}
    items = [m for m in book.items if m.kind == "episodic" and m.id not in consolidated]
    return items[: spec.consolidation_threshold] if len(items) >= 2 else []


def reflection_due(agent: AgentState, spec: Any) -> bool:
    return spec.max_reflections > 0 and agent.book.importance_since_reflection >= spec.reflection_threshold \
        and len(agent.book.items) >= 2


def decayed(agent: AgentState, spec: Any, now: str | None, state: RunState | None = None) -> list[str]:
    """Ids of memories whose retention fell below the threshold (pure). With ``state`` and
    emotions on, a memory's emotional intensity at encoding multiplies its stability."""
    if not spec.forgetting_curve:
        return []
    out = []
    for m in agent.book.items:
        stability = spec.stability_hours * (1 + m.recalls) * m.importance / 5
        if state is not None:
            stability *= stability_factor(state, m)
        if math.exp(-hours_between(m.last_access, now) / stability) < spec.forgetting_threshold:
            out.append(m.id)
    return out


def _lines(memories: list[StoredMemory], numbered: bool) -> str:
    return "\n".join((f"- [{i + 1}] " if numbered else f"* [{(m.sim_time or '')[:16]}] ") + clip(m.text, 300)
                     for i, m in enumerate(memories))


def decide_consolidation(agent: AgentState, source: list[StoredMemory], output: ConsolidationOutput) -> list[Event]:
    """``MemoryStored`` (semantic) and ``MemoryConsolidated`` for one episode (pure)."""
    memory_id = agent.book.next_id(agent.name)
    ids = [m.id for m in source]
    return [MemoryStored(agent=agent.name, memory_id=memory_id, kind="semantic", text=output.summary.strip() or
                         "; ".join(m.text for m in source)[:500], importance=output.importance, sources=ids),
            MemoryConsolidated(agent=agent.name, source_ids=ids, memory_ids=[memory_id])]


def decide_reflection(agent: AgentState, shown: list[StoredMemory], output: ReflectionOutput, limit: int,
                      offset: int = 0) -> list[Event]:
    """A reflection memory and ``ReflectionSynthesized`` per insight citing shown memories (pure)."""
    events: list[Event] = []
    for item in output.insights[:limit]:
        cited = list(dict.fromkeys(shown[n - 1].id for n in item.evidence if 1 <= n <= len(shown)))
        text = item.insight.strip()
        if not cited or not text:
            continue
        memory_id = agent.book.next_id(agent.name, offset + len(events) // 2)
        importance = max(m.importance for m in shown if m.id in cited)
        events += [MemoryStored(agent=agent.name, memory_id=memory_id, kind="reflection", text=text,
                                importance=importance, sources=cited),
                   ReflectionSynthesized(agent=agent.name, memory_id=memory_id, insight=text, cited_ids=cited)]
    return events


def maintain(bus: "MessageBus", world: str, step: int, causation_id: str | None) -> list["Recorded"]:
    """Consolidate, reflect and forget for every member of ``world`` whose memory asks for it."""
    from troupe_es.commands.step import call_all, completion_id, prepare_llm

    state: RunState = bus.state
    members = state.worlds[world].members
    calls, plans = [], []
    for name in members:
        spec = memory_settings(state, name)
        if spec is None:
            continue
        agent = state.agents[name]
        source = episode(agent, spec, step)
        if source:
            messages = [{"role": "system", "content": CONSOLIDATE.format(name=name)},
                        {"role": "user", "content": _lines(source, numbered=False)}]
            call_id = f"{name}/step-{step}/consolidate-{agent.book.consolidated}"
            calls.append((name, prepare_llm(bus, name, messages, ConsolidationOutput, call_id=call_id, step=step,
                                            causation_id=causation_id, purpose="consolidation", world=world)))
            plans.append(("consolidate", name, source))
        if reflection_due(agent, spec):
            shown = list(agent.book.items[-REFLECTION_WINDOW:])
            messages = [{"role": "system", "content": REFLECT.format(name=name, n=spec.max_reflections)},
                        {"role": "user", "content": _lines(shown, numbered=True)}]
            call_id = f"{name}/step-{step}/reflect-{agent.book.reflections}"
            calls.append((name, prepare_llm(bus, name, messages, ReflectionOutput, call_id=call_id, step=step,
                                            causation_id=causation_id, purpose="reflection", world=world)))
            plans.append(("reflect", name, shown))
    recorded: list[Recorded] = []
    failure = None
    if calls:
        # One call per agent and purpose; the outcomes come back in the same order.
        outcomes = call_all(bus, calls)
        for (kind, name, memories), outcome in zip(plans, outcomes):
            batch = list(outcome.events)
            if outcome.output is not None:
                agent = bus.state.agents[name]
                spec = memory_settings(bus.state, name)
                events = (decide_consolidation(agent, memories, outcome.output) if kind == "consolidate"
                          else decide_reflection(agent, memories, outcome.output, spec.max_reflections))
                cause = completion_id(outcome.events)
                batch += [bus.new(f"agent/{name}", e, world=world, causation_id=cause) for e in events]
            failure = failure or outcome.error
            recorded += bus.record(batch)
    forget = []
    for name in members:
        spec = memory_settings(bus.state, name)
        if spec is not None and (ids := decayed(bus.state.agents[name], spec, bus.state.worlds[world].clock,
                                                bus.state)):
            forget.append(bus.new(f"agent/{name}", MemoryForgotten(agent=name, memory_ids=ids, reason="decayed"),
                                  world=world, causation_id=causation_id))
    recorded += bus.record(forget)
    if failure is not None:
        raise failure
    return recorded
