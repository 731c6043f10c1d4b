"""TinyTroupe persona files: ``.agent.json`` (TinyPerson) and ``.fragment.json`` (Fragment),
and the TinyTroupe way of merging a fragment onto a persona."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from troupe_es.errors import PersonaMergeError, ScenarioError
from troupe_es.personas.model import Persona


def read_persona_dict(path: str | Path) -> dict[str, Any]:
    """The ``persona`` dict of a TinyTroupe file (agent or fragment) or of a bare persona file."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{p}: persona file not found") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{p}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{p}: a persona file must hold a JSON object")
    if data.get("type") in ("TinyPerson", "Fragment"):
        persona = data.get("persona")
        if not isinstance(persona, dict):
            raise ScenarioError(f"{p}: persona: missing or not an object")
        return persona
    if "type" in data:
        raise ScenarioError(f"{p}: type: expected TinyPerson or Fragment, got {data['type']!r}")
    return data


def load_persona_file(path: str | Path) -> Persona:
    """Load and validate an ``.agent.json`` persona."""
    data = read_persona_dict(path)
    try:
        return Persona.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"]) or "persona"
        raise ScenarioError(f"{path}: persona.{loc}: {err['msg']}") from None


def merge_persona(base: dict[str, Any], fragment: dict[str, Any], *, where: str, path: str = "") -> dict[str, Any]:
    """Merge ``fragment`` onto ``base`` the TinyTroupe way (returns a new dict).

    Dicts merge recursively, lists concatenate without duplicates, ``None`` is replaced, an
    equal scalar is fine and a different scalar is a :class:`PersonaMergeError` naming the field.
    """
    merged = dict(base)
    for key, value in fragment.items():
        field = f"{path}.{key}" if path else key
        current = merged.get(key)
        if current is None:
            merged[key] = value
        elif value is None:
            continue
        elif isinstance(current, dict) and isinstance(value, dict):
            merged[key] = merge_persona(current, value, where=where, path=field)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = current + [v for v in value if v not in current]
        elif isinstance(current, list) or isinstance(value, list) or isinstance(current, dict) \
                or isinstance(value, dict):
            raise PersonaMergeError(f"{where}: {field}: cannot merge {type(value).__name__} "
                                    f"into {type(current).__name__}")
        elif current != value:
            raise PersonaMergeError(f"{where}: {field}: conflicts with the persona "
                                    f"({current!r} vs {value!r})")
    return merged
