"""The knowledge settings of a run, read from its state (the scenario's ``knowledge:`` section,
recorded in ``RunStarted``), so replay, resume and fork use exactly what the run used."""

from __future__ import annotations

from typing import Any

from troupe_es.domain import RunState



def knowledge_settings(state: RunState) -> Any:
    """The run's :class:`~troupe_es.scenario.model.KnowledgeSpec`, or None when knowledge is off."""
    config = state.knowledge.config
    if config is None:
        return None
    from troupe_es.commands.settings import parsed_section
    from troupe_es.scenario.model import KnowledgeSpec

    return parsed_section("knowledge", config, KnowledgeSpec)
