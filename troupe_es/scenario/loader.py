"""Loading a scenario file: YAML, validation, persona files and fragments, name checks.

Every problem becomes one :class:`ScenarioError` line naming the file, the field and the
problem, e.g. ``focus.yaml: script[2].tell.to: unknown agent 'Bob' (known: Lisa, Oscar)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from troupe_es.errors import PersonaMergeError, ScenarioError
from troupe_es.personas import Persona, merge_persona, read_persona_dict
from troupe_es.scenario.model import (
    LINE_MODELS,
    BudgetSpec,
    InterventionSpec,
    LLMSettings,
    WorldSpec,
)

_ADAPTERS = {key: TypeAdapter(shape) for key, shape in LINE_MODELS.items()}
_PERSONA_REF_KEYS = {"file", "fragments"}


class _ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    seed: int = 0
    llm: LLMSettings = Field(default_factory=LLMSettings)
    budget: BudgetSpec | None = None
    world: WorldSpec = Field(default_factory=WorldSpec)
    personas: list[dict[str, Any]] = Field(min_length=1)
    max_actions_per_turn: int = Field(default=15, ge=1, le=15)
    interventions: list[InterventionSpec] = Field(default_factory=list)
    script: list[Any] = Field(default_factory=list)


@dataclass(frozen=True)
class ResolvedPersona:
    """A persona after its file and fragments were loaded and merged."""

    name: str
    persona: dict[str, Any]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its personas resolved; ``to_record`` is what ``RunStarted`` stores."""

    name: str
    seed: int
    llm: LLMSettings
    budget: BudgetSpec | None
    world: WorldSpec
    personas: tuple[ResolvedPersona, ...]
    max_actions_per_turn: int
    interventions: tuple[InterventionSpec, ...]
    script: tuple[dict[str, Any], ...]
    path: str | None = field(default=None, compare=False)

    def to_record(self) -> dict[str, Any]:
        """The whole scenario as JSON-compatible data (no file is needed to run it again)."""
        return {
            "name": self.name,
            "seed": self.seed,
            "llm": self.llm.model_dump(mode="json", exclude_none=True),
            "budget": self.budget.model_dump(mode="json", exclude_none=True) if self.budget else None,
            "world": self.world.model_dump(mode="json"),
            "personas": [{"name": p.name, "persona": p.persona, "sources": list(p.sources)}
                         for p in self.personas],
            "max_actions_per_turn": self.max_actions_per_turn,
            "interventions": [i.model_dump(mode="json", exclude_none=True, by_alias=True)
                              for i in self.interventions],
            "script": [dict(line) for line in self.script],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "Scenario":
        """Inverse of :meth:`to_record` (used by replay and fork; reads no file)."""
        data = {**record, "personas": [p["persona"] for p in record["personas"]]}
        scenario = _validate(data, "recorded scenario", base=None)
        return Scenario(**{**scenario.__dict__, "personas": tuple(
            ResolvedPersona(p["name"], p["persona"], tuple(p.get("sources") or ())) for p in record["personas"])})


def _loc(parts: tuple[Any, ...]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _pydantic_problem(where: str, exc: ValidationError, prefix: str = "") -> ScenarioError:
    err = exc.errors()[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in ("int", "str"))))
    path = _loc(loc)
    if prefix:
        path = prefix + ("." + path if path and not path.startswith("[") else path)
    message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
    if err["type"] == "missing":
        message = "required field is missing"
    return ScenarioError(f"{where}: {path or 'scenario'}: {message}")


def _script_line(where: str, index: int, raw: Any) -> dict[str, Any]:
    path = f"script[{index}]"
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ScenarioError(f"{where}: {path}: each script line needs exactly one of "
                            f"{', '.join(LINE_MODELS)}")
    (key, value), = raw.items()
    if key not in LINE_MODELS:
        raise ScenarioError(f"{where}: {path}.{key}: unknown script step (use {', '.join(LINE_MODELS)})")
    if key == "run" and isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise ScenarioError(f"{where}: {path}.run: must be >= 0, got {value}")
    try:
        parsed = _ADAPTERS[key].validate_python(value)
    except ValidationError as exc:
        raise _pydantic_problem(where, exc, f"{path}.{key}") from None
    if isinstance(parsed, BaseModel):
        return {key: parsed.model_dump(mode="json", exclude_none=True, by_alias=True)}
    return {key: parsed}


def _resolve_persona(where: str, index: int, entry: dict[str, Any], base: Path | None) -> ResolvedPersona:
    path = f"personas[{index}]"
    sources: list[str] = []
    spec: dict[str, Any] = {}
    if "file" in entry:
        if base is None:
            raise ScenarioError(f"{where}: {path}.file: persona files need a scenario file")
        file = base / str(entry["file"])
        if not file.exists():
            raise ScenarioError(f"{where}: {path}.file: persona file not found: {entry['file']}")
        spec = read_persona_dict(file)
        sources.append(str(entry["file"]))
    for j, fragment in enumerate(entry.get("fragments") or []):
        file = (base or Path(".")) / str(fragment)
        if not file.exists():
            raise ScenarioError(f"{where}: {path}.fragments[{j}]: fragment file not found: {fragment}")
        try:
            spec = merge_persona(spec, read_persona_dict(file), where=f"{where}: {path}.fragments[{j}]")
        except PersonaMergeError as exc:
            raise PersonaMergeError(f"{exc} (fragment {fragment})") from None
        sources.append(str(fragment))
    inline = {k: v for k, v in entry.items() if k not in _PERSONA_REF_KEYS}
    spec = {**spec, **inline}
    try:
        persona = Persona.model_validate(spec)
    except ValidationError as exc:
        raise _pydantic_problem(where, exc, path) from None
    return ResolvedPersona(persona.name, persona.to_spec(), tuple(sources))


def _check_names(where: str, scenario: Scenario) -> None:
    known = [p.name for p in scenario.personas]
    seen: set[str] = set()
    for i, name in enumerate(known):
        if name in seen:
            raise ScenarioError(f"{where}: personas[{i}].name: duplicate agent name {name!r}")
        seen.add(name)

    def check(path: str, name: str) -> None:
        if name not in seen:
            raise ScenarioError(f"{where}: {path}: unknown agent {name!r} (known: {', '.join(known)})")

    for i, rel in enumerate(scenario.world.relations):
        for j, name in enumerate(rel.between):
            check(f"world.relations[{i}].between[{j}]", name)
    for i, line in enumerate(scenario.script):
        (key, value), = line.items()
        if key in ("tell", "see", "think", "goal"):
            check(f"script[{i}].{key}.to", value["to"])
        elif key == "make_accessible" and value != "everyone":
            for j, name in enumerate(value):
                check(f"script[{i}].make_accessible[{j}]", name)
        elif key == "relate":
            for j, name in enumerate(value["between"]):
                check(f"script[{i}].relate.between[{j}]", name)
        elif key == "poll":
            for j, name in enumerate(value.get("to") or []):
                check(f"script[{i}].poll.to[{j}]", name)
    for i, iv in enumerate(scenario.interventions):
        for kind in ("tell", "think", "see"):
            target = getattr(iv.do, kind)
            if target is not None:
                check(f"interventions[{i}].do.{kind}.to", target.to)


def _validate(data: Any, where: str, base: Path | None) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: the scenario must be a mapping of fields")
    try:
        raw = _ScenarioFile.model_validate(data)
    except ValidationError as exc:
        raise _pydantic_problem(where, exc) from None
    for i, entry in enumerate(raw.personas):
        if not isinstance(entry, dict):
            raise ScenarioError(f"{where}: personas[{i}]: expected a persona or {{file: ...}}")
    script = tuple(_script_line(where, i, line) for i, line in enumerate(raw.script))
    personas = tuple(_resolve_persona(where, i, entry, base) for i, entry in enumerate(raw.personas))
    for i, iv in enumerate(raw.interventions):
        if sum(v is not None for v in iv.when.model_dump().values()) != 1:
            raise ScenarioError(f"{where}: interventions[{i}].when: give exactly one of step, every, after_step, said")
        if sum(v is not None for v in iv.do.model_dump().values()) != 1:
            raise ScenarioError(f"{where}: interventions[{i}].do: give exactly one of broadcast, tell, think, see")
    scenario = Scenario(raw.name, raw.seed, raw.llm, raw.budget, raw.world, personas, raw.max_actions_per_turn,
                        tuple(raw.interventions), script, where)
    _check_names(where, scenario)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and resolve a scenario file; :class:`ScenarioError` on any problem."""
    import yaml

    p = Path(path)
    where = str(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{where}: scenario file not found") from None
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise ScenarioError(f"{where}: {line}YAML syntax error: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{where}: YAML error: {exc}") from None
    return _validate(data, where, p.parent)
