"""A capability's settings, parsed once from the scenario section ``RunStarted`` recorded.

Capabilities keep their configuration in the run's state as recorded (plain JSON), so replay,
resume and fork use exactly what the run used; :func:`parsed_section` turns it into the
section's pydantic model, caching by content, and names the section in a bad value's error.
"""

from __future__ import annotations

from typing import Any

from troupe_es.errors import ConfigurationError

_PARSED: dict[tuple[str, str], Any] = {}


def parsed_section(section: str, config: dict[str, Any], model: Any) -> Any:
    """``config`` (a recorded scenario section called ``section``) validated as ``model``; a bad
    value is a one-line :class:`ConfigurationError` naming ``section.field``."""
    from pydantic import ValidationError

    from troupe_es.events.canonical import canonical_json

    key = (section, canonical_json(config))
    spec = _PARSED.get(key)
    if spec is None:
        try:
            spec = model.model_validate(config)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigurationError(f"{section}.{'.'.join(map(str, err['loc']))}: {err['msg']}") from None
        if len(_PARSED) > 256:
            _PARSED.clear()
        _PARSED[key] = spec
    return spec
