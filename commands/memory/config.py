"""An agent's memory settings, read from the run's state (the scenario's ``memory:`` section,
recorded in ``RunStarted``), so replay, resume and fork use exactly what the run used."""

from __future__ import annotations

from typing import Any

from troupe_es.domain import RunState

_BY_ID: dict[int, tuple[Any, Any]] = {}


def memory_settings(state: RunState, agent: str) -> Any:
    """The agent's :class:`~troupe_es.scenario.model.MemorySpec`, or None when memory is off."""
    if state.memory_config is None:
        return None
    from troupe_es.commands.settings import parsed_section
    from troupe_es.scenario.model import MemorySpec

    cached = _BY_ID.get(id(state.memory_config))
    if cached is not None and cached[0] is state.memory_config:
        return cached[1].for_agent(agent)
    spec = parsed_section("memory", state.memory_config, MemorySpec)
    if len(_BY_ID) > 64:
        _BY_ID.clear()
    _BY_ID[id(state.memory_config)] = (state.memory_config, spec)  # the dict is kept alive: ids stay unique
    return spec.for_agent(agent)


def weights_of(spec: Any) -> Any:
    from troupe_es.commands.memory.retrieval import Weights

    return Weights(spec.recency_weight, spec.importance_weight, spec.relevance_weight, spec.recency_decay,
                   spec.proximity_weight or 0.0)
