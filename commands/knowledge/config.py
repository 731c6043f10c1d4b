"""The knowledge settings of a run, read from its state (the scenario's ``knowledge:`` section,
recorded in ``RunStarted``), so replay, resume and fork use exactly what the run used."""

from __future__ import annotations

from typing import Any

from troupe_es.domain import RunState
from troupe_es.errors import ConfigurationError

_PARSED: dict[str, Any] = {}


def knowledge_settings(state: RunState) -> Any:
    """The run's :class:`~troupe_es.scenario.model.KnowledgeSpec`, or None when knowledge is off."""
    config = state.knowledge.config
    if config is None:
        return None
    from pydantic import ValidationError

    from troupe_es.events.canonical import canonical_json
    from troupe_es.scenario.model import KnowledgeSpec

    key = canonical_json(config)
    spec = _PARSED.get(key)
    if spec is None:
        try:
            spec = KnowledgeSpec.model_validate(config)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigurationError(f"knowledge.{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = spec
    return spec
