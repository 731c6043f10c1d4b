"""The knowledge capability: facts extracted into a temporal knowledge graph, and graph-aware
retrieval into turns.

Registered in ``bootstrap.CAPABILITIES``; active only when the scenario has a ``knowledge:``
section (off by default, so existing runs and their hashes are unchanged). After each step,
one structured LLM call per agent with new memories extracts facts (``FactsExtracted``, see
:mod:`troupe_es.commands.knowledge.extract`). With ``graph_retrieval``, a turn's prompt gets the
open facts around the entities its query mentions, recorded first as ``MemoriesRecalled`` (fact
ids ``fact:N``), so replay and time travel never look at the graph again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from troupe_es.commands.knowledge.config import knowledge_settings
from troupe_es.commands.knowledge.extract import extract
from troupe_es.commands.knowledge.retrieval import fact_lines, relevant_facts
from troupe_es.commands.memory import query_text
from troupe_es.commands.turn import Preparation
from troupe_es.domain import RunState
from troupe_es.events import Event, MemoriesRecalled


class KnowledgeCapability:
    """Knowledge's contribution to a turn (see the module docstring)."""

    name = "knowledge"

    def active(self, state: RunState, agent: str) -> bool:
        return state.knowledge.config is not None

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        return {}

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        return ()

    def _facts(self, state: RunState, agent: str) -> tuple[str, list]:
        spec = knowledge_settings(state)
        if spec is None or not spec.graph_retrieval:
            return "", []
        query = query_text(state.agents[agent])
        return query, relevant_facts(state.knowledge, agent, query, spec.retrieval_max_facts,
                                     spec.retrieval_prompt_tokens)

    def section(self, state: RunState, agent: str) -> list[str]:
        return fact_lines(self._facts(state, agent)[1])

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        query, facts = self._facts(state, agent)
        if not facts:
            return Preparation()
        ones = [1.0] * len(facts)
        recalled = MemoriesRecalled(agent=agent, query=query, memory_ids=[f.id for f in facts], recency=ones,
                                    importance=ones, relevance=ones, total=ones)
        return Preparation(lines=tuple(fact_lines(facts)), events=(recalled,))

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        return []

    def after_step(self, bus: Any, world: str, step: int, causation_id: str | None) -> list[Any]:
        """Fact extraction (see :mod:`troupe_es.commands.knowledge.extract`)."""
        return extract(bus, world, step, causation_id)


KNOWLEDGE = KnowledgeCapability()
"""The knowledge capability instance ``bootstrap`` registers."""
