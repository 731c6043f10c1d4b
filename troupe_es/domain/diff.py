"""What changed between two run states: a pure, field-level diff.

:func:`diff_states` compares two :class:`RunState` values (usually the same run at two
positions) and returns a JSON-compatible dict::

    {"from": 120, "to": 180,
     "run":    {"status": {"from": "running", "to": "completed"}},
     "agents": {"Lisa": {"status": "changed",
                         "fields": {"emotions": {"from": "calm", "to": "annoyed"},
                                    "persona.age": {"from": 30, "to": 31},
                                    "accessible": {"from": [...], "to": [...]}},
                         "memory_added": [{"index": 7, "kind": "heard", ...}],
                         "memory_removed": []}},
     "worlds": {"Room": {"status": "changed", "fields": {"clock": {...}, "step": {...}}}}}

Only what changed appears. Nested dicts (personas) are compared key by key with dotted paths;
lists and tuples are compared whole. Memory is reported as items added (and removed, when
diffing backwards) instead of the whole window; ``accessible`` (who an agent can reach) is
derived from its world. The debugger and ``troupe-es diff`` share this function.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from troupe_es.domain.state import AgentState, RunState, WorldState

_RUN_FIELDS = ("run_id", "scenario_name", "seed", "status", "polls", "interventions_applied",
               "parent_run_id", "fork_position")
_MISSING = object()


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = _plain(value)


def _field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    for key, value in (before or {}).items():
        _flatten(value, key, a)
    for key, value in (after or {}).items():
        _flatten(value, key, b)
    changes = {}
    for key in list(a) + [k for k in b if k not in a]:
        old, new = a.get(key, _MISSING), b.get(key, _MISSING)
        if old != new:
            changes[key] = {"from": None if old is _MISSING else old, "to": None if new is _MISSING else new}
    return changes


def _agent_fields(state: RunState, agent: AgentState | None) -> dict[str, Any] | None:
    if agent is None:
        return None
    data = asdict(agent)
    del data["memory"]
    world = state.worlds.get(agent.world) if agent.world else None
    data["accessible"] = list(world.accessible_to(agent.name)) if world else []
    return data


def _memory(a: AgentState | None, b: AgentState | None) -> tuple[list[dict], list[dict]]:
    old_total = a.memory_total if a else 0
    new_total = b.memory_total if b else 0
    added = [asdict(m) for m in (b.memory if b else ()) if m.index >= old_total]
    removed = [asdict(m) for m in (a.memory if a else ()) if m.index >= new_total]
    return added, removed


def _status(before: object | None, after: object | None) -> str:
    if before is None:
        return "added"
    if after is None:
        return "removed"
    return "changed"


def diff_agent(a: RunState, b: RunState, name: str) -> dict[str, Any] | None:
    """The changes of one agent between two states (None when nothing changed)."""
    before, after = a.agents.get(name), b.agents.get(name)
    if before is None and after is None:
        return None
    fields = _field_changes(_agent_fields(a, before), _agent_fields(b, after))
    added, removed = _memory(before, after)
    if not fields and not added and not removed:
        return None
    return {"status": _status(before, after), "fields": fields, "memory_added": added, "memory_removed": removed}


def diff_world(a: RunState, b: RunState, name: str) -> dict[str, Any] | None:
    """The changes of one world between two states (None when nothing changed)."""
    before: WorldState | None = a.worlds.get(name)
    after: WorldState | None = b.worlds.get(name)
    fields = _field_changes(asdict(before) if before else None, asdict(after) if after else None)
    if not fields:
        return None
    return {"status": _status(before, after), "fields": fields}


def diff_states(a: RunState, b: RunState, *, agent: str | None = None) -> dict[str, Any]:
    """Field-level changes from state ``a`` to state ``b``; with ``agent``, only that agent
    (and its world)."""
    run = _field_changes({k: getattr(a, k) for k in _RUN_FIELDS}, {k: getattr(b, k) for k in _RUN_FIELDS})
    names = [agent] if agent is not None else list(dict.fromkeys([*a.agents, *b.agents]))
    agents = {n: d for n in names if (d := diff_agent(a, b, n)) is not None}
    if agent is not None:
        homes = {x.agents[agent].world for x in (a, b) if agent in x.agents}
        worlds_names = [w for w in dict.fromkeys([*a.worlds, *b.worlds]) if w in homes]
        run = {}
    else:
        worlds_names = list(dict.fromkeys([*a.worlds, *b.worlds]))
    worlds = {n: d for n in worlds_names if (d := diff_world(a, b, n)) is not None}
    return {"from": a.position, "to": b.position, "run": run, "agents": agents, "worlds": worlds}


def is_empty(diff: dict[str, Any]) -> bool:
    """True when a diff from :func:`diff_states` records no change at all."""
    return not (diff["run"] or diff["agents"] or diff["worlds"])
