"""The compact rendering of a persona that goes into every agent prompt.

TinyTroupe pastes the persona as indented JSON; here every non-empty field becomes one short
labelled line (``Likes: oats; farmers' markets``), in a fixed order, extra fields last in file
order. A rich persona stays well under 2,000 characters.
"""

from __future__ import annotations

from typing import Any

from troupe_es.personas.model import Persona


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _render(value: Any, nested: bool = False) -> str:
    """Top level: items joined with ``; `` (a space after a full sentence). Nested lists join with ``, ``; nested dicts are
    parenthesised; a ``{"name": ..., ...}`` object reads ``Name (rest)``."""
    if isinstance(value, dict):
        items = {k: v for k, v in value.items() if not _empty(v)}
        if "name" in items and len(items) > 1:
            rest = {k: v for k, v in items.items() if k != "name"}
            inner = _render(rest[next(iter(rest))], True) if len(rest) == 1 else _render(rest, True)
            return f"{items['name']} ({inner.strip('()')})"
        text = "; ".join(f"{_label(k)}: {_render(v, True)}" for k, v in items.items())
        return f"({text})" if nested else text
    if isinstance(value, list):
        parts = [_render(v, True) for v in value if not _empty(v)]
        sep = "; " if not nested else ", "
        return "".join(p + ("" if i == len(parts) - 1 else " " if p.endswith((".", "!", "?")) else sep)
                       for i, p in enumerate(parts))
    return str(value)


def _label(key: str) -> str:
    return str(key).replace("_", " ")


def _basics(p: Persona) -> str:
    parts = [f"{p.age} years old" if p.age is not None else None, p.gender, p.nationality]
    return ", ".join(x for x in parts if x)


def _occupation(p: Persona) -> str:
    occ = p.occupation
    if occ is None:
        return ""
    text = " ".join(x for x in (occ.title, f"at {occ.organization}" if occ.organization else None) if x)
    if occ.description:
        text = f"{text}: {occ.description}" if text else occ.description
    extra = {k: v for k, v in (occ.model_extra or {}).items() if not _empty(v)}
    if extra:
        text = f"{text} ({_render(extra)})" if text else _render(extra)
    return text


def persona_prompt_facts(persona: Persona) -> list[str]:
    """One short ``Label: value`` line per non-empty persona field, in a stable order.

    Order: name, basics (age, gender, nationality), residence, education, occupation, style,
    traits, Big Five, interests, likes, dislikes, beliefs, skills, behaviors, health,
    relationships, other facts, then any extra fields (of the persona and its sub-objects).
    """
    p = persona
    lines: list[tuple[str, Any]] = [("Name", p.name), ("About", _basics(p)), ("Lives in", p.residence),
                                    ("Education", p.education), ("Occupation", _occupation(p)),
                                    ("Style", p.style)]
    if p.personality is not None:
        lines += [("Traits", p.personality.traits), ("Big Five", p.personality.big_five)]
        lines += [(_label(k).capitalize(), v) for k, v in (p.personality.model_extra or {}).items()]
    if p.preferences is not None:
        pref = p.preferences
        lines += [("Interests", pref.interests), ("Likes", pref.likes), ("Dislikes", pref.dislikes)]
        lines += [(_label(k).capitalize(), v) for k, v in (pref.model_extra or {}).items()]
    lines += [("Beliefs", p.beliefs), ("Skills", p.skills), ("Behaviors", p.behaviors), ("Health", p.health),
              ("Relationships", p.relationships), ("Other facts", p.other_facts)]
    lines += [(_label(k).capitalize(), v) for k, v in (p.model_extra or {}).items()]
    facts = []
    for label, value in lines:
        text = "" if _empty(value) else _render(value)
        if text:
            facts.append(f"{label}: {text}")
    return facts
