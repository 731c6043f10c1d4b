"""Fact extraction after each world step: at most one structured LLM call per agent and episode.

An agent's *episode* is what it perceived and did since its last extraction (the newest
``episode_items`` of its working memory), taken at the end of a step (every
``extract_every_n_steps`` steps). The prompt numbers those memories; the model answers facts
citing the numbers, and the pure :func:`decide_facts` maps them back to the events
(``stream@version``) they rest on, dropping facts that cite nothing shown. The request is
committed before the provider is called, like a turn's.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import takewhile
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from troupe_es.commands.turn import clip
from troupe_es.domain import AgentState, MemoryItem, RunState
from troupe_es.domain.knowledge import normalise
from troupe_es.events import Fact, FactsExtracted

if TYPE_CHECKING:
    from troupe_es.events import Recorded
    from troupe_es.runtime import MessageBus

STREAM = "knowledge"
"""The stream of facts extracted from documents for everyone."""
PURPOSE = "knowledge"
"""The ``purpose`` of extraction calls in ``LLMCallRequested`` (the audit counts them)."""


class ExtractedFact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(description="Who or what the fact is about: a name, a thing, a place.")
    predicate: str = Field(description="The relation, short: prefers, works at, said, costs, likes ...")
    object: str = Field(description="The other end of the relation: a name, a thing, a number.")
    exclusive: bool = Field(description="True when the subject can have only one object for this predicate "
                                        "at a time (prefers, lives in, works at, costs): a new one replaces the old.")
    evidence: list[int] = Field(description="Numbers of the memories the fact rests on.")


class ExtractionOutput(BaseModel):
    """Facts drawn from one episode."""

    model_config = ConfigDict(extra="forbid")
    facts: list[ExtractedFact]


EXTRACT = """You are {name}. Below are your newest memories, numbered. Extract up to {n} facts you now \
know from them, each as a short "subject", "predicate" and "object" (people, things, places, prices), with \
"exclusive" (true when a newer object replaces the old one, e.g. prefers, lives in, costs) and "evidence" \
(the numbers of the memories it rests on). Reply with JSON only: "facts"."""


def episode_items(agent: AgentState, covered: int, limit: int) -> list[MemoryItem]:
    """The agent's memories not yet extracted (the newest ``limit``), each citing its event."""
    return [m for m in agent.memory if m.index >= covered and m.ref][-limit:]


def episode_lines(items: Sequence[MemoryItem]) -> str:
    return "\n".join(f"- [{i + 1}] {m.kind}" + (f" from {m.source}" if m.source else "") + f": {clip(m.text, 300)}"
                     for i, m in enumerate(items))


def decide_facts(agent: str | None, items: Sequence[Any], output: ExtractionOutput, spec: Any, episode: str, *,
                 covered_upto: int | None = None, covered_chunks: int | None = None) -> FactsExtracted:
    """The episode's ``FactsExtracted`` (pure): evidence numbers become the shown items' events
    (``stream@version``), ``valid_from`` is the newest cited item's simulated time (none for
    document chunks: the extraction's own); facts citing nothing shown, or with an empty part,
    are dropped."""
    exclusive = {normalise(p) for p in spec.exclusive_predicates}
    facts = []
    for f in output.facts[: spec.max_facts_per_episode]:
        cited = [items[n - 1] for n in dict.fromkeys(f.evidence) if 1 <= n <= len(items)]
        parts = (" ".join(f.subject.split()), " ".join(f.predicate.split()), " ".join(f.object.split()))
        if not cited or not all(normalise(p) for p in parts):
            continue
        times = [m.sim_time for m in cited if getattr(m, "sim_time", None)]
        facts.append(Fact(subject=parts[0], predicate=parts[1], object=parts[2], evidence=[m.ref for m in cited],
                          valid_from=max(times) if times else None,
                          exclusive=f.exclusive or normalise(parts[1]) in exclusive))
    return FactsExtracted(agent=agent, episode=episode, facts=facts, covered_upto=covered_upto,
                          covered_chunks=covered_chunks)


DOCUMENTS = """You are a careful reader{whose}. Below are passages of documents, numbered. Extract up to {n} \
facts they state, each as a short "subject", "predicate" and "object" (people, products, places, prices, dates), \
with "exclusive" (true when the subject has one object at a time for that predicate, e.g. costs, ships on) and \
"evidence" (the numbers of the passages it rests on). Reply with JSON only: "facts"."""


def document_batch(state: RunState, spec: Any) -> tuple[str | None, list[Any], int] | None:
    """The next document batch to extract: the oldest unextracted chunks for the same owner
    (an agent, or None: everyone), at most ``episode_items``; with the chunk count it covers."""
    library = getattr(state, "library", None)
    if spec is None or not spec.extract or library is None:
        return None
    start = state.knowledge.chunks
    new = library.chunks[start:]
    if not new:
        return None
    owner = new[0].agent
    batch = list(takewhile(lambda c: c.agent == owner, new))[: spec.episode_items]
    return owner, batch, start + len(batch)


def document_lines(chunks: Sequence[Any]) -> str:
    return "\n".join(f"- [{i + 1}] document from {c.title}: {clip(c.text, 600)}" for i, c in enumerate(chunks))


def due(state: RunState, spec: Any, name: str, step: int) -> list[MemoryItem]:
    """The episode to extract from ``name``'s memories now (empty: nothing to do)."""
    if spec is None or not spec.extract or (step + 1) % spec.extract_every_n_steps:
        return []
    return episode_items(state.agents[name], state.knowledge.covered.get(name, 0), spec.episode_items)


def extract(bus: "MessageBus", world: str, step: int, causation_id: str | None) -> list["Recorded"]:
    """One extraction call per member of ``world`` with an episode due; their facts recorded."""
    from troupe_es.commands.knowledge.config import knowledge_settings
    from troupe_es.commands.step import call_all, completion_id, prepare_llm

    state: RunState = bus.state
    spec = knowledge_settings(state)
    calls, plans = [], []
    for name in state.worlds[world].members:
        items = due(state, spec, name, step)
        if not items:
            continue
        messages = [{"role": "system", "content": EXTRACT.format(name=name, n=spec.max_facts_per_episode)},
                    {"role": "user", "content": episode_lines(items)}]
        episode = f"{name}/step-{step}/facts-{items[0].index}"
        calls.append((name, prepare_llm(bus, name, messages, ExtractionOutput, call_id=episode, step=step,
                                        causation_id=causation_id, purpose=PURPOSE, world=world)))
        plans.append((name, items, episode))
    batch = document_batch(state, spec) if (step + 1) % (spec.extract_every_n_steps if spec else 1) == 0 else None
    if batch is not None:
        owner, chunks, covered = batch
        messages = [{"role": "system", "content": DOCUMENTS.format(whose=f" for {owner}" if owner else "",
                                                                  n=spec.max_facts_per_episode)},
                    {"role": "user", "content": document_lines(chunks)}]
        episode = f"documents/facts-{state.knowledge.chunks}"
        calls.append((owner, prepare_llm(bus, owner, messages, ExtractionOutput, call_id=episode, step=step,
                                         causation_id=causation_id, purpose=PURPOSE, world=world)))
        plans.append((None, chunks, episode))
    recorded: list[Recorded] = []
    failure = None
    if calls:
        for (name, items, episode), outcome in zip(plans, call_all(bus, calls)):
            events = list(outcome.events)
            if outcome.output is not None:
                if name is None:  # a document batch
                    owner, _, covered = batch
                    event = decide_facts(owner, items, outcome.output, spec, episode, covered_chunks=covered)
                    stream = f"agent/{owner}" if owner else STREAM
                else:
                    event = decide_facts(name, items, outcome.output, spec, episode,
                                         covered_upto=state.agents[name].memory_total)
                    stream = f"agent/{name}"
                events.append(bus.new(stream, event, world=world, causation_id=completion_id(outcome.events)))
            failure = failure or outcome.error
            recorded += bus.record(events)
    if failure is not None:
        raise failure
    return recorded
