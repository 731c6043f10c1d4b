"""Scenario settings (DESIGN §9): durations, LLM settings, budget, world and interventions.

Every model forbids unknown fields, so a typo is an error, not a silently ignored setting.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from troupe_es import limits
from troupe_es.personas.model import Name

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_UNIT_SECONDS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
                 "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
                 "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
                 "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800}


def parse_duration(text: str | int | float | timedelta) -> timedelta:
    """A positive duration: ``"15m"``, ``"1h"``, ``"30s"``, ``"1d"``, ``"1h30m"``, ``"1.5h"``,
    a number of seconds, or a timedelta. ``ValueError`` for anything else."""
    if isinstance(text, timedelta):
        seconds = text.total_seconds()
    elif isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(min(text, limits.MAX_STEP_SECONDS * 2))  # a huge int would overflow float()
    elif isinstance(text, str):
        compact = text.strip().lower()
        parts = _PART.findall(compact)
        if not parts or "".join(f"{n}{u}" for n, u in parts) != re.sub(r"\s+", "", compact) \
                or any(u not in _UNIT_SECONDS for _, u in parts):
            raise ValueError(f"invalid duration {text!r}: use e.g. 30s, 15m, 1h, 1h30m or 1d")
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    else:
        raise ValueError(f"invalid duration {text!r}: use e.g. 30s, 15m, 1h, 1h30m or 1d")
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {text!r}")
    if not limits.MIN_STEP_SECONDS <= seconds <= limits.MAX_STEP_SECONDS:
        raise ValueError(f"duration must be from {limits.MIN_STEP_SECONDS}s to "
                         f"{limits.MAX_STEP_SECONDS / 86400:.0f}d (ten years), got {text!r}")
    return timedelta(seconds=seconds)


def utc_naive(value: datetime) -> datetime:
    """``value`` as a naive UTC datetime (a naive one is taken to be UTC already)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


class Strict(BaseModel):
    """Base of every scenario model: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", str_max_length=limits.MAX_TEXT_CHARS)


class LLMSettings(Strict):
    """Model and sampling parameters for every agent call (passed to the provider as given)."""

    model: str = Field(default="gpt-4o-mini", min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0, le=limits.INT64_MAX)
    top_p: float | None = Field(default=None, gt=0, le=1)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    stop: str | list[str] | None = None


class BudgetSpec(Strict):
    """Stop the run cleanly (``BudgetExceeded``) before exceeding either limit."""

    tokens: int | None = Field(default=None, gt=0, le=limits.INT64_MAX)
    cost_usd: float | None = Field(default=None, gt=0)


class Relation(Strict):
    """A tie between two agents; it makes them accessible to each other."""

    between: list[str] = Field(min_length=2, max_length=2)
    relation: str = Field(min_length=1)

    @field_validator("between")
    @classmethod
    def _two_people(cls, value: list[str]) -> list[str]:
        if value[0] == value[1]:
            raise ValueError(f"an agent cannot relate to itself ({value[0]!r})")
        return value


class WorldSpec(Strict):
    """The world: name, simulated clock, step length and who can talk to whom.

    ``everyone_accessible`` defaults to true for a ``world`` and to false for a
    ``social_network``, where ``relations`` decide who reaches whom.
    """

    name: Name = "World"
    start: datetime = datetime(2026, 1, 1, 9, 0)
    step: str | float = "1h"
    everyone_accessible: bool = True
    type: Literal["world", "social_network"] = "world"
    relations: list[Relation] = Field(default_factory=list)
    skip_idle: bool = False  # docs/schedule.md: dormant agents skip their turns, the clock jumps to the next due item
    # A grid world (the space capability, docs/space.md): a tile map, perception and speed.
    kind: Literal["grid"] | None = None
    map: str | None = Field(default=None, min_length=1)
    map_content: dict[str, Any] | None = None  # filled in from `map` when the scenario is loaded
    hearing_radius: float | None = Field(default=None, gt=0)
    sight: float | None = Field(default=None, ge=0)
    speed: int | None = Field(default=None, ge=1, le=1000)
    detour: float | None = Field(default=None, ge=0, le=3)
    positions: dict[str, str | list[int]] | None = None

    @model_validator(mode="after")
    def _grid_fields(self) -> "WorldSpec":
        from troupe_es.scenario.space import check_grid_fields

        check_grid_fields(self)
        return self

    @model_validator(mode="before")
    @classmethod
    def _network_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and "everyone_accessible" not in data:
            return {**data, "everyone_accessible": data.get("type") != "social_network"}
        return data

    @field_validator("start", mode="before")
    @classmethod
    def _date_is_midnight(cls, value: Any) -> Any:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)
        return value

    @field_validator("start")
    @classmethod
    def _utc_in_range(cls, value: datetime) -> datetime:
        try:
            utc_naive(value)
        except OverflowError:
            raise ValueError(f"{value.isoformat()} is out of range in UTC") from None
        return value

    @field_validator("step")
    @classmethod
    def _valid_step(cls, value: str | float) -> str | float:
        parse_duration(value)
        return value


class Say(Strict):
    """``{to: NAME, text: ...}``: a stimulus for one agent."""

    to: str = Field(min_length=1)
    text: str


class TellSpec(Say):
    """``{to: NAME, text: ..., from: SPEAKER}``: one agent hears ``text`` (from the world by default)."""

    from_: str | None = Field(default=None, alias="from")


def _exactly_one(model: BaseModel) -> None:
    """ValueError unless exactly one field of ``model`` is set."""
    given = [name for name in type(model).model_fields if getattr(model, name) is not None]
    if len(given) != 1:
        names = ", ".join((info.alias or n) for n, info in type(model).model_fields.items())
        raise ValueError(f"give exactly one of {names}" + (f" (got {', '.join(given)})" if given else ""))


class Condition(Strict):
    """When an intervention fires: once at ``step`` N, at every N-th step (``every``), once at the
    first step at or after ``after_step`` N, or once an agent ``said`` something containing the
    text (case-insensitive)."""

    step: int | None = Field(default=None, ge=0)
    every: int | None = Field(default=None, gt=0)
    after_step: int | None = Field(default=None, ge=0)
    said: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one(self) -> "Condition":
        _exactly_one(self)
        return self


class Effect(Strict):
    """What an intervention does: exactly one of ``broadcast``, ``tell``, ``think``, ``see``."""

    broadcast: str | None = None
    tell: TellSpec | None = None
    think: Say | None = None
    see: Say | None = None

    @model_validator(mode="after")
    def _one(self) -> "Effect":
        _exactly_one(self)
        return self

    def agent_refs(self) -> list[tuple[str, str]]:
        """``(field path, agent name)`` pairs this effect names."""
        return [(f"{kind}.to", target.to) for kind in ("tell", "think", "see")
                if (target := getattr(self, kind)) is not None]


class InterventionSpec(Strict):
    """A precondition over the step or what was said, and an effect."""

    name: str = Field(min_length=1)
    when: Condition
    do: Effect


class MemoryOverride(Strict):
    """Per-persona memory settings (``memory.personas.NAME``): any field given replaces the
    scenario's."""

    max_episodic_memory_size: int | None = Field(default=None, ge=1)
    memory_cleanup_strategy: Literal["fifo", "age", "relevance"] | None = None
    retrieval_top_k: int | None = Field(default=None, ge=0)
    recency_weight: float | None = Field(default=None, ge=0)
    importance_weight: float | None = Field(default=None, ge=0)
    relevance_weight: float | None = Field(default=None, ge=0)
    auto_consolidate: bool | None = None
    consolidation_threshold: int | None = Field(default=None, ge=2)
    reflection_threshold: int | None = Field(default=None, ge=1)


class MemorySpec(Strict):
    """The ``memory:`` section: bounded episodic memory, hybrid retrieval, consolidation,
    reflection and the forgetting curve (docs/memory.md explains every knob)."""

    embedder: Literal["wordllama", "openai", "hash"] = "wordllama"
    embedding_model: str = Field(default="text-embedding-3-small", min_length=1)
    max_episodic_memory_size: int = Field(default=1000, ge=1)
    memory_cleanup_strategy: Literal["fifo", "age", "relevance"] = "fifo"
    retrieval_top_k: int = Field(default=6, ge=0)
    newest_memories: int = Field(default=4, ge=0)
    memory_prompt_tokens: int = Field(default=900, ge=50)
    recency_weight: float = Field(default=1.0, ge=0)
    importance_weight: float = Field(default=1.0, ge=0)
    relevance_weight: float = Field(default=1.0, ge=0)
    proximity_weight: float | None = Field(default=None, ge=0)  # grid worlds: memories made nearby first
    recency_decay: float = Field(default=0.995, gt=0, le=1)
    auto_consolidate: bool = True
    consolidation_threshold: int = Field(default=40, ge=2)
    consolidate_every_n_steps: int | None = Field(default=None, ge=1)
    reflection_threshold: int = Field(default=150, ge=1)
    max_reflections: int = Field(default=3, ge=0, le=3)
    forgetting_curve: bool = False
    forgetting_threshold: float = Field(default=0.05, gt=0, lt=1)
    stability_hours: float = Field(default=24.0, gt=0)
    personas: dict[str, MemoryOverride] = Field(default_factory=dict)

    def for_agent(self, name: str) -> "MemorySpec":
        """The settings of agent ``name``: its overrides on top of the scenario's."""
        override = self.personas.get(name)
        if override is None:
            return self
        return self.model_copy(update=override.model_dump(exclude_none=True))


class KnowledgeSpec(Strict):
    """The ``knowledge:`` section: fact extraction into the temporal knowledge graph and
    graph-aware retrieval (docs/knowledge.md explains every knob). Absent: knowledge off."""

    extract: bool = True
    graph_retrieval: bool = True
    extract_every_n_steps: int = Field(default=1, ge=1)
    max_facts_per_episode: int = Field(default=8, ge=1, le=50)
    episode_items: int = Field(default=12, ge=1, le=24)
    retrieval_max_facts: int = Field(default=6, ge=0, le=50)
    retrieval_prompt_tokens: int = Field(default=300, ge=20)
    exclusive_predicates: list[str] = Field(default_factory=list)
