"""The documents capability (RAG): what an agent's turn recalls from the documents it was given.

Registered in ``bootstrap.CAPABILITIES`` after memory. Active for an agent that has documents
(its own or everyone's) or is grounded. Each turn ranks the agent's chunks against the turn's
query (what is new, else its attention and goals), records the best ones as
``MemoriesRecalled`` (memory ids are chunk ids, ``citations`` name SOURCE#CHUNK) with the
request, before the call, and shows them in the prompt. A grounded agent is told it only knows
what its documents say, and the memory capability recalls nothing else for it.
Ingestion handlers: :mod:`troupe_es.commands.documents.ingest`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from troupe_es.commands.documents.ingest import documents_embedder, ground_agent, ingest_documents, ingest_planned
from troupe_es.commands.documents.recall import GROUNDING, best, document_section
from troupe_es.commands.memory import query_text
from troupe_es.commands.turn import Preparation
from troupe_es.documents.source import citation
from troupe_es.domain import RunState
from troupe_es.events import Event, MemoriesRecalled

DEFAULTS = {"top_k": 3, "prompt_tokens": 700}


def recall_settings(state: RunState, agent: str) -> dict[str, int]:
    """``top_k`` and ``prompt_tokens`` of ``agent``'s document recall (the scenario's
    ``documents:`` section; the defaults for runs driven from Python)."""
    config = state.documents_config or {}
    own = (config.get("personas") or {}).get(agent) or {}
    top_k = own.get("top_k") if own.get("top_k") is not None else config.get("top_k", DEFAULTS["top_k"])
    return {"top_k": int(top_k), "prompt_tokens": int(config.get("prompt_tokens", DEFAULTS["prompt_tokens"]))}


class DocumentsCapability:
    """Documents' contribution to a turn (see the module docstring)."""

    name = "documents"

    def active(self, state: RunState, agent: str) -> bool:
        library = state.library
        return library.is_grounded(agent) or any(c.agent is None or c.agent == agent for c in library.chunks)

    def output_fields(self, state: RunState, agent: str) -> Mapping[str, tuple[Any, Any]]:
        return {}

    def action_types(self, state: RunState, agent: str) -> Sequence[str]:
        return ()

    def section(self, state: RunState, agent: str) -> list[str]:
        """A poll records nothing before its call, so it recalls nothing: grounding only."""
        return [GROUNDING] if state.library.is_grounded(agent) else []

    def prepare(self, state: RunState, agent: str, services: Mapping[str, Any]) -> Preparation:
        grounded = state.library.is_grounded(agent)
        chunks = state.library.for_agent(agent)
        settings = recall_settings(state, agent)
        if not chunks or settings["top_k"] <= 0:
            return Preparation(lines=tuple(document_section((), 0, grounded)[0]))
        query = query_text(state.agents[agent])
        embedder = documents_embedder(state, agent, services)
        relevance = embedder.similarities([c.text for c in chunks], query, agent=agent)
        picked = best(chunks, relevance, settings["top_k"])
        lines, fitting = document_section(picked, settings["prompt_tokens"], grounded)
        picked = picked[:fitting]
        zeros = [0.0] * len(picked)
        event = MemoriesRecalled(agent=agent, query=query, memory_ids=[c.id for c, _ in picked], recency=zeros,
                                 importance=zeros, relevance=[r for _, r in picked], total=[r for _, r in picked],
                                 citations=[citation(c) for c, _ in picked])
        return Preparation(lines=tuple(lines), events=(event,))

    def decide(self, state: RunState, agent: str, output: BaseModel, turn: Sequence[Event],
               preparation: Preparation) -> list[Event]:
        return []


DOCUMENTS = DocumentsCapability()
"""The documents capability instance ``bootstrap`` registers."""

__all__ = ["DOCUMENTS", "DocumentsCapability", "ground_agent", "ingest_documents", "ingest_planned",
           "recall_settings"]
