"""TinyTroupe persona files and the TinyTroupe way of merging fragments onto a persona.

Two wrappers are read, as TinyTroupe writes them, plus a bare persona object::

    {"type": "TinyPerson", "persona": {"name": "Lisa", ...}}     # .agent.json
    {"type": "Fragment",   "persona": {"beliefs": [...], ...}}   # .fragment.json
    {"name": "Lisa", ...}                                        # bare persona

Merging (``merge_persona``): dicts merge recursively, lists concatenate without duplicates,
``None`` is replaced, an equal scalar is fine, a different scalar (or a list/dict meeting a
scalar) is a :class:`PersonaMergeError` naming the field path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from troupe_es.errors import PersonaMergeError, ScenarioError
from troupe_es.limits import MAX_NESTING, data_problem
from troupe_es.personas.model import Persona
from troupe_es.personas.problems import describe, model_vocabulary
from troupe_es.textfile import read_text_file

PersonaKind = Literal["TinyPerson", "Fragment", "persona"]
_FRAGMENT_PLACEHOLDER = "fragment"  # validates a fragment's fields; removed again


@dataclass(frozen=True)
class PersonaSpec:
    """One persona file as read: its ``kind`` (``TinyPerson``, ``Fragment`` or a bare ``persona``),
    its persona fields normalised by the model (a fragment has no ``name``) and its ``path``."""

    kind: PersonaKind
    persona: dict[str, Any]
    path: str

    @property
    def is_fragment(self) -> bool:
        """True for a ``.fragment.json`` (``{"type": "Fragment", ...}``)."""
        return self.kind == "Fragment"

    @property
    def name(self) -> str | None:
        """The persona's name (None for a fragment without one)."""
        return self.persona.get("name")

    def to_persona(self) -> Persona:
        """The validated :class:`Persona` (a fragment must carry a ``name`` for this)."""
        return validate_persona(self.persona, where=self.path)


def validate_persona(data: dict[str, Any], *, where: str, prefix: str = "") -> Persona:
    """``Persona.model_validate`` with a one-line :class:`ScenarioError` naming ``where`` and the field."""
    try:
        return Persona.model_validate(data)
    except ValidationError as exc:
        path, problem = describe(exc, prefix=prefix, vocabulary=_VOCABULARY)
        raise ScenarioError(f"{where}: {path or 'persona'}: {problem}") from None


def read_persona_file(path: str | Path) -> tuple[PersonaKind, dict[str, Any]]:
    """The kind and raw ``persona`` dict of a TinyTroupe file (agent, fragment or bare persona)."""
    p = Path(path)
    text = read_text_file(p, "persona")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{p}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise ScenarioError(f"{p}: nested more than {MAX_NESTING} levels deep") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{p}: a persona file must hold a JSON object")
    problem = data_problem(data)
    if problem is not None:
        raise ScenarioError(f"{p}: {problem[0] or 'persona'}: {problem[1]}")
    if "type" not in data:
        return "persona", data
    if data["type"] not in ("TinyPerson", "Fragment"):
        raise ScenarioError(f"{p}: type: expected TinyPerson or Fragment, got {data['type']!r}")
    persona = data.get("persona")
    if not isinstance(persona, dict):
        raise ScenarioError(f"{p}: persona: missing or not an object")
    return data["type"], persona


def read_persona_dict(path: str | Path) -> dict[str, Any]:
    """The raw ``persona`` dict of a persona file, whatever its wrapper."""
    return read_persona_file(path)[1]


def load_persona_file(path: str | Path) -> PersonaSpec:
    """Read and validate a persona file; :class:`ScenarioError` naming the file and field if wrong.

    An agent (or bare persona) must have a ``name``; a fragment's fields are validated with the
    same model, so ``{"age": "old"}`` fails here, naming the fragment file.
    """
    kind, raw = read_persona_file(path)
    where = str(path)
    if kind == "Fragment" and not raw.get("name"):
        spec = validate_persona({**raw, "name": _FRAGMENT_PLACEHOLDER}, where=where, prefix="persona").to_spec()
        spec.pop("name")
    else:
        spec = validate_persona(raw, where=where, prefix="persona").to_spec()
    return PersonaSpec(kind, spec, where)


def _dedup(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list"}.get(type(value), "a value")


def _merge(base: dict[str, Any], fragment: dict[str, Any], where: str, prefix: str) -> dict[str, Any]:
    merged = dict(base)
    for key, value in fragment.items():
        field = f"{prefix}.{key}" if prefix else str(key)
        current = merged.get(key)
        if value is None:
            continue
        if current is None:
            merged[key] = value
        elif isinstance(current, dict) and isinstance(value, dict):
            merged[key] = _merge(current, value, where, field)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = _dedup(current + value)
        elif isinstance(current, (list, dict)) or isinstance(value, (list, dict)):
            raise PersonaMergeError(f"{where}: {field}: cannot merge {_kind(value)} into {_kind(current)} "
                                    f"({current!r} vs {value!r})", field=field, current=current, value=value)
        elif current != value:
            raise PersonaMergeError(f"{where}: {field}: conflicts with the persona ({current!r} vs {value!r})",
                                    field=field, current=current, value=value)
    return merged


def merge_persona(base: dict[str, Any], fragment: dict[str, Any], *, where: str) -> dict[str, Any]:
    """Merge ``fragment`` onto ``base`` the TinyTroupe way; returns a new dict, inputs untouched.

    ``where`` starts the error message (usually the fragment's file or scenario field).
    """
    return _merge(base, fragment, where, "")


def value_at(data: dict[str, Any], field: str) -> Any:
    """The value at a dotted field path (``occupation.title``), or None."""
    current: Any = data
    for part in field.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def override_persona(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Inline overrides on top of a loaded persona: dicts recurse, every other value replaces."""
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = override_persona(out[key], value)
        else:
            out[key] = value
    return out


_VOCABULARY = model_vocabulary(Persona)
