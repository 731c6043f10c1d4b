"""Knowledge events: facts (subject, predicate, object) extracted from what agents perceived.

The knowledge graph (``troupe_es.domain.knowledge``, ``projections/knowledge.py``) is a pure
projection over these events: rebuilt from the log with zero LLM calls, exact under replay and
time travel. Evidence names events by ``stream@version`` (deterministic, unlike event ids, so a
replay reproduces the payload and its content hash); validity is in *simulated* time.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from troupe_es.events.base import Event, UtcDatetime


class Fact(BaseModel):
    """One extracted fact: ``subject predicate object``, the events it rests on and the simulated
    time it holds from. ``exclusive``: the predicate is functional (one object at a time, e.g.
    ``prefers``, ``lives in``), so this fact closes the same subject's open edge with another object."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    subject: str = Field(min_length=1)
    predicate: str = Field(min_length=1)
    object: str = Field(min_length=1)
    evidence: list[str] = Field(min_length=1, description="Events the fact rests on, as stream@version.")
    valid_from: UtcDatetime | None = Field(default=None, description="Simulated time the fact holds from.")
    exclusive: bool = False


class FactsExtracted(Event):
    """Facts extracted from one episode (one LLM call at most): an agent's new memories since its
    last extraction, or a batch of document chunks (``agent`` None: shared knowledge)."""

    type: Literal["FactsExtracted"] = "FactsExtracted"
    agent: str | None = Field(default=None, description="Whose knowledge it is; None: everyone's (documents).")
    episode: str = Field(min_length=1, description="Deterministic id of the episode the facts came from.")
    facts: list[Fact] = Field(default_factory=list)
    covered_upto: int | None = Field(default=None, ge=0, description=(
        "The agent's perception/action counter the episode covers up to (the next extraction starts there)."))
    covered_chunks: int | None = Field(default=None, ge=0, description=(
        "For a document batch: how many of the run's ingested chunks have been extracted, this batch included."))
