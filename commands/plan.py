"""A run plan: everything the scenario runner needs, in plain values.

A plan is built from a validated scenario (``plan_from_scenario``) or from the scenario record a
run stored in ``RunStarted`` (``plan_from_record``: replay and fork never read files again).
Script lines keep the YAML shape of DESIGN §9 (``{"broadcast": text}``, ``{"run": 3}``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from troupe_es.commands.interventions import Intervention
from troupe_es.scenario import ResolvedPersona


@dataclass(frozen=True)
class WorldPlan:
    """The world the agents live in."""

    name: str
    start: datetime
    step_seconds: float
    kind: str = "world"
    everyone_accessible: bool = True
    relations: tuple[tuple[str, str, str], ...] = ()
    grid: dict[str, Any] | None = None  # a grid world's record (map content, settings, positions)


@dataclass(frozen=True)
class RunPlan:
    """A scenario ready to execute."""

    name: str
    seed: int
    model: str
    llm_parameters: dict[str, Any]
    world: WorldPlan
    personas: tuple[ResolvedPersona, ...]
    script: tuple[dict[str, Any], ...]
    interventions: tuple[Intervention, ...] = ()
    max_actions: int = 15
    budget: dict[str, float] | None = None
    record: dict[str, Any] = field(default_factory=dict)
    schedule: tuple[dict[str, Any], ...] = ()  # the scenario's schedule: entries (docs/schedule.md)
    base_dir: str | None = None  # the scenario file's folder (documents are read from there); not recorded

    def with_script(self, script: list[dict[str, Any]]) -> "RunPlan":
        """The same plan running another script (a fork's tail); the record follows."""
        return replace(self, script=tuple(script), record={**self.record, "script": list(script)})


def run_steps(value: Any) -> int:
    """The number of steps of a ``run:`` script line's value (``3`` or ``{steps: 3, step: 30m}``)."""
    return int(value["steps"] if isinstance(value, dict) else value)


def run_step_seconds(value: Any) -> float | None:
    """The step length a ``run:`` line sets for its own steps, in seconds (None: the world's)."""
    if isinstance(value, dict) and value.get("step"):
        from troupe_es.scenario import parse_duration

        return parse_duration(value["step"]).total_seconds()
    return None


def _interventions(items: list[Any]) -> tuple[Intervention, ...]:
    out = []
    for item in items or ():
        data = item if isinstance(item, dict) else item.model_dump(mode="json", exclude_none=True)
        when = data.get("when") or {}
        out.append(Intervention(name=data["name"], effect=dict(data.get("do") or {}),
                                at_step=when.get("step"), every=when.get("every"),
                                after_step=when.get("after_step"), said=when.get("said")))
    return tuple(out)


def plan_from_record(record: dict[str, Any]) -> RunPlan:
    """A plan from a scenario record (``Scenario.to_record()``, as stored in ``RunStarted``)."""
    from troupe_es.scenario import Scenario, parse_duration

    scenario = Scenario.from_record(record)
    return plan_from_scenario(scenario, record=record, parse_duration=parse_duration)


def plan_from_scenario(scenario: Any, *, record: dict[str, Any] | None = None,
                       parse_duration: Any = None) -> RunPlan:
    """A plan from a validated, resolved :class:`troupe_es.scenario.Scenario`."""
    import json

    from troupe_es.events.canonical import canonical_json

    if parse_duration is None:
        from troupe_es.scenario import parse_duration
    record = record if record is not None else scenario.to_record()
    # The form RunStarted stores (sorted keys): a fresh run and its replay see identical data.
    record = json.loads(canonical_json(record))
    world = record["world"]
    step = world.get("step", "1h")
    step_seconds = step if isinstance(step, (int, float)) else parse_duration(step).total_seconds()
    start = world.get("start")
    start_dt = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
    relations = tuple((r["between"][0], r["between"][1], r["relation"]) for r in world.get("relations") or ())
    llm = dict(record.get("llm") or {})
    model = llm.pop("model", "gpt-4o-mini")
    params = {k: v for k, v in llm.items() if v is not None}
    personas = tuple(ResolvedPersona(p["name"], p["persona"], tuple(p.get("sources") or ()))
                     for p in record["personas"])
    return RunPlan(
        name=record["name"], seed=int(record.get("seed") or 0), model=model, llm_parameters=params,
        world=WorldPlan(name=world.get("name") or "World", start=start_dt, step_seconds=float(step_seconds),
                        kind=world.get("type") or "world",
                        everyone_accessible=bool(world.get("everyone_accessible", True)),
                        relations=relations, grid=world if world.get("kind") == "grid" else None),
        personas=personas, script=tuple(record.get("script") or ()),
        interventions=_interventions(record.get("interventions") or []),
        max_actions=int(record.get("max_actions_per_turn") or 15),
        budget={k: v for k, v in (record.get("budget") or {}).items() if v is not None} or None,
        record=record, schedule=tuple(record.get("schedule") or ()),
        base_dir=_folder_of(getattr(scenario, "path", None)))


def _folder_of(path: str | None) -> str | None:
    from pathlib import Path

    return str(Path(path).parent) if path else None
