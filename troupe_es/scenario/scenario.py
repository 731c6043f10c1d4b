"""The resolved scenario: what ``RunStarted`` records and what replay and fork read back.

``Scenario`` holds final persona dicts (files and fragments already merged), so
``Scenario.from_record(scenario.to_record())`` rebuilds it without reading any file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from troupe_es import limits
from troupe_es.errors import ScenarioError
from troupe_es.personas.problems import describe, model_vocabulary
from troupe_es.scenario import model as m
from troupe_es.scenario import schedule as sch
from troupe_es.scenario import workplace as wk
from troupe_es.scenario import steps as s
from troupe_es.scenario.classroom import ClassroomSpec, SegmentSpec, check_classroom, lesson_schedule
from troupe_es.tools.config import ToolsSpec
from troupe_es.scenario.documents import DocumentsSpec
from troupe_es.scenario.space import check_space
from troupe_es.scenario.vision import SeeSpec
from troupe_es.scenario.emotions import EmotionsSpec
from troupe_es.scenario.market import MarketSpec
from troupe_es.scenario.retail import RetailSpec, check_retail


@dataclass(frozen=True)
class ResolvedPersona:
    """A persona after its file and fragments were loaded and merged.

    ``persona`` is the JSON-compatible spec ``PersonaDefined`` records; ``sources`` the persona
    file and fragments it came from, as written in the scenario (empty for an inline persona).
    """

    name: str
    persona: dict[str, Any]
    sources: tuple[str, ...] = ()


class ScenarioFields(m.Strict):
    """The fields shared by a scenario file and a resolved scenario (all but ``personas``)."""

    name: str = Field(min_length=1)
    seed: int = Field(default=0, ge=limits.INT64_MIN, le=limits.INT64_MAX)
    llm: m.LLMSettings = Field(default_factory=m.LLMSettings)
    budget: m.BudgetSpec | None = None
    world: m.WorldSpec = Field(default_factory=m.WorldSpec)
    max_actions_per_turn: int = Field(default=limits.MAX_ACTIONS_PER_TURN, ge=1, le=limits.MAX_ACTIONS_PER_TURN)
    interventions: list[m.InterventionSpec] = Field(default_factory=list, max_length=limits.MAX_INTERVENTIONS)
    memory: m.MemorySpec | None = None
    tools: ToolsSpec | None = None
    documents: DocumentsSpec | None = None
    knowledge: m.KnowledgeSpec | None = None
    emotions: EmotionsSpec | None = None
    market: MarketSpec | None = None
    script: list[s.ScriptStep] = Field(default_factory=list, max_length=limits.MAX_SCRIPT_LINES)
    schedule: list[sch.ScheduleSpec] = Field(default_factory=list, max_length=limits.MAX_INTERVENTIONS)
    stop_when_idle: int | None = Field(default=None, ge=1, le=limits.MAX_TOTAL_STEPS)
    classroom: ClassroomSpec | None = None  # docs/environments.md: the world is a classroom
    workplace: wk.WorkplaceSpec | None = None
    retail: RetailSpec | None = None  # a retail store on the grid world (docs/environments.md)


class Scenario(ScenarioFields):
    """A validated scenario with its personas resolved (immutable).

    ``script`` holds step objects (:class:`~troupe_es.scenario.steps.TellStep`, ...);
    ``to_record()`` turns them back into their YAML shape. ``path`` is where it was read from
    (not recorded).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    personas: tuple[ResolvedPersona, ...] = Field(min_length=1, max_length=limits.MAX_PERSONAS)
    path: str | None = Field(default=None, exclude=True)
    images: dict[str, Any] = Field(default_factory=dict, exclude=True, repr=False)
    """The ``see`` images' bytes by hash, ``{sha256: (media_type, bytes)}`` (read from files, not recorded)."""

    @property
    def agent_names(self) -> list[str]:
        """The personas' names, in scenario order."""
        return [p.name for p in self.personas]

    @property
    def total_steps(self) -> int:
        """World steps the script runs."""
        return sum(step.steps for step in self.script if isinstance(step, s.RunStep))

    def to_record(self) -> dict[str, Any]:
        """The whole scenario as JSON-compatible data (no file is needed to run it again)."""
        record = {
            "name": self.name,
            "seed": self.seed,
            "llm": self.llm.model_dump(mode="json", exclude_none=True),
            "budget": self.budget.model_dump(mode="json", exclude_none=True) if self.budget else None,
            "world": self.world.model_dump(mode="json", exclude_none=True),  # grid fields only when set
            "personas": [{"name": p.name, "persona": p.persona, "sources": list(p.sources)}
                         for p in self.personas],
            "max_actions_per_turn": self.max_actions_per_turn,
            "interventions": [i.model_dump(mode="json", exclude_none=True, by_alias=True)
                              for i in self.interventions],
            "script": [s.step_record(step) for step in self.script],
        }
        if self.memory is not None:  # absent otherwise: runs without memory keep their hashes
            record["memory"] = self.memory.model_dump(  # proximity_weight only when set: old runs keep their hashes
                mode="json", exclude={"proximity_weight"} if self.memory.proximity_weight is None else None)
        if self.market is not None:  # absent otherwise, like memory
            record["market"] = self.market.model_dump(mode="json", by_alias=True)
        if self.tools is not None:  # absent otherwise, like memory
            record["tools"] = self.tools.model_dump(mode="json")
        if not self.world.skip_idle:  # absent when off, like schedule and stop_when_idle: hashes hold
            record["world"].pop("skip_idle", None)
        if self.schedule:
            record["schedule"] = [e.model_dump(mode="json", exclude_none=True, by_alias=True) for e in self.schedule]
        if self.stop_when_idle is not None:
            record["stop_when_idle"] = self.stop_when_idle
        if self.documents is not None:  # likewise
            record["documents"] = self.documents.model_dump(mode="json")
        if self.knowledge is not None:  # likewise: runs without knowledge keep their hashes
            record["knowledge"] = self.knowledge.model_dump(mode="json")
        if self.classroom is not None:  # likewise
            record["classroom"] = self.classroom.model_dump(mode="json", by_alias=True, exclude_none=True)
        if self.emotions is not None:  # likewise: runs without emotions keep their hashes
            record["emotions"] = self.emotions.model_dump(mode="json")
        if self.workplace is not None:
            record["workplace"] = self.workplace.model_dump(mode="json", exclude_none=True, by_alias=True)
        if self.retail is not None:  # likewise
            record["retail"] = self.retail.model_dump(mode="json", exclude_none=True)
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any], *, where: str = "recorded scenario") -> "Scenario":
        """Inverse of :meth:`to_record` (used by replay and fork; reads no file)."""
        if not isinstance(record, dict):
            raise ScenarioError(f"{where}: expected a mapping of fields")
        data = dict(record)
        personas = data.get("personas")
        if isinstance(personas, list):
            data["personas"] = [{**p, "sources": tuple(p.get("sources") or ())} if isinstance(p, dict) else p
                                for p in personas]
        scenario = validate(cls, data, where)
        check_names(scenario, where)
        check_bounds(scenario, where)
        check_space(scenario, where)
        check_retail(scenario, where)
        return scenario


def _vocabulary() -> dict[str | None, set[str]]:
    by_parent: dict[str | None, Any] = {
        None: Scenario, "llm": m.LLMSettings, "budget": m.BudgetSpec, "world": m.WorldSpec,
        "relations": m.Relation, "relate": m.Relation, "interventions": m.InterventionSpec, "when": m.Condition,
        "do": m.Effect, "tell": m.TellSpec, "see": SeeSpec, "think": m.Say, "goal": m.Say, "run": s.RunSteps,
        "poll": s.PollSpec, "memory": m.MemorySpec, "schedule": sch.ScheduleSpec,
        "documents": DocumentsSpec, "knowledge": m.KnowledgeSpec, "emotions": EmotionsSpec,
        "workplace": wk.WorkplaceSpec, "meetings": wk.MeetingSpec, "tasks": wk.TaskSpec, "market": MarketSpec,
        "retail": RetailSpec, "classroom": ClassroomSpec, "lesson": SegmentSpec}
    vocabulary = {parent: model_vocabulary(model) for parent, model in by_parent.items()}
    vocabulary["script"] = set(s.STEP_KINDS)
    vocabulary["tools"] = model_vocabulary(ToolsSpec)
    vocabulary[None].discard("path")
    return vocabulary


VOCABULARY = _vocabulary()
"""Field names by parent field, for "did you mean" hints on unknown fields."""


def _script_step_problem(where: str, index: int, value: Any) -> ScenarioError:
    kinds = ", ".join(s.STEP_KINDS)
    path = f"script[{index}]"
    if isinstance(value, dict):
        known = [k for k in value if k in s.STEP_KINDS]
        if len(known) > 1:
            return ScenarioError(f"{where}: {path}: one step per line, got {', '.join(known)}")
        if len(value) == 1:
            (key,) = value
            close = difflib.get_close_matches(str(key), s.STEP_KINDS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            return ScenarioError(f"{where}: {path}.{key}: unknown script step ({hint}use one of {kinds})")
    return ScenarioError(f"{where}: {path}: each script step needs exactly one of {kinds}")


def validate(model: type[m.Strict], data: Any, where: str, **context: Any) -> Any:
    """``model.model_validate(data)`` with the first problem as one :class:`ScenarioError` line."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: expected a mapping of fields, got {type(data).__name__}")
    try:
        return model.model_validate({**data, **context})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        in_script = len(loc) >= 2 and loc[0] == "script" and isinstance(loc[1], int)
        if in_script and err["type"] == "script_step":
            raise _script_step_problem(where, loc[1], err["input"]) from None
        path, problem = describe(exc, vocabulary=VOCABULARY, drop=(2,) if in_script else ())
        raise ScenarioError(f"{where}: {path or 'scenario'}: {problem}") from None


def check_names(scenario: Scenario, where: str) -> None:
    """Unique persona names, and every agent named by relations, script steps and interventions exists."""
    seen: set[str] = set()
    for i, persona in enumerate(scenario.personas):
        if persona.name in seen:
            raise ScenarioError(f"{where}: personas[{i}].name: duplicate agent name {persona.name!r}")
        seen.add(persona.name)
    known = ", ".join(scenario.agent_names)

    def check(path: str, name: str) -> None:
        if name not in seen:
            raise ScenarioError(f"{where}: {path}: unknown agent {name!r} (known: {known})")

    for i, rel in enumerate(scenario.world.relations):
        for j, name in enumerate(rel.between):
            check(f"world.relations[{i}].between[{j}]", name)
    for i, iv in enumerate(scenario.interventions):
        for path, name in iv.do.agent_refs():
            check(f"interventions[{i}].do.{path}", name)
    for i, step in enumerate(scenario.script):
        for path, name in step.agent_refs():
            check(f"script[{i}].{path}", name)
    for name in (scenario.memory.personas if scenario.memory else {}):
        check(f"memory.personas.{name}", name)
    for path, name in (scenario.market.agent_refs() if scenario.market else ()):
        check(path, name)
    for path, name in (scenario.tools.agent_refs() if scenario.tools else ()):
        check(path, name)
    sch.check_schedule(scenario.schedule + lesson_schedule(scenario.classroom), scenario.script, check, where)
    check_classroom(scenario.classroom, scenario.agent_names, check, where)
    for name in (scenario.documents.personas if scenario.documents else {}):
        check(f"documents.personas.{name}", name)
    for path, name in (scenario.workplace.agent_refs() if scenario.workplace else ()):
        check(path, name)


def check_bounds(scenario: Scenario, where: str) -> None:
    """The script's steps in all stay within :data:`~troupe_es.limits.MAX_TOTAL_STEPS`, and the
    simulated clock within :data:`~troupe_es.limits.LATEST_SIM_TIME` (checked in seconds, so
    nothing overflows while checking)."""
    start = m.utc_naive(scenario.world.start)
    room = (limits.LATEST_SIM_TIME - start).total_seconds()
    world_step = m.parse_duration(scenario.world.step).total_seconds()
    total = 0
    elapsed = 0.0
    for i, step in enumerate(scenario.script):
        if not isinstance(step, s.RunStep):
            continue
        total += step.steps
        if total > limits.MAX_TOTAL_STEPS:
            raise ScenarioError(f"{where}: script[{i}].run: the script runs {total} steps by this line; "
                                f"at most {limits.MAX_TOTAL_STEPS} are allowed in all")
        own = step.run.step if isinstance(step.run, s.RunSteps) else None
        elapsed += step.steps * (m.parse_duration(own).total_seconds() if own else world_step)
        if elapsed > room:
            raise ScenarioError(f"{where}: script[{i}].run: the simulated clock would pass the year 9999 "
                                f"(world.start {scenario.world.start.isoformat()} + {elapsed:.0f} s)")
