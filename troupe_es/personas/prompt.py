"""The compact rendering of a persona that goes into every agent prompt."""

from __future__ import annotations

from typing import Any

from troupe_es.personas.model import Persona


def _join(items: Any) -> str:
    if isinstance(items, dict):
        return "; ".join(f"{k}: {_join(v)}" for k, v in sorted(items.items()))
    if isinstance(items, list):
        return "; ".join(_join(i) for i in items)
    return str(items)


def persona_prompt_facts(persona: Persona) -> list[str]:
    """One short line per non-empty persona field, in a stable order (extra fields included)."""
    p = persona
    facts = [f"Name: {p.name}"]
    basics = [f"{p.age} years old" if p.age is not None else None, p.gender, p.nationality]
    basics_text = ", ".join(b for b in basics if b)
    if basics_text:
        facts.append(f"About: {basics_text}")
    if p.residence:
        facts.append(f"Lives in: {p.residence}")
    if p.education:
        facts.append(f"Education: {p.education}")
    if p.occupation is not None:
        occ = p.occupation
        parts = [occ.title, f"at {occ.organization}" if occ.organization else None]
        text = " ".join(x for x in parts if x)
        if occ.description:
            text = f"{text} — {occ.description}" if text else occ.description
        extra = dict(sorted((occ.model_extra or {}).items()))
        if extra:
            text += f" ({_join(extra)})"
        if text:
            facts.append(f"Occupation: {text}")
    if p.style:
        facts.append(f"Style: {p.style}")
    if p.personality is not None:
        if p.personality.traits:
            facts.append(f"Traits: {_join(p.personality.traits)}")
        if p.personality.big_five:
            facts.append(f"Big Five: {_join(p.personality.big_five)}")
    if p.preferences is not None:
        pref = p.preferences
        for label, values in (("Interests", pref.interests), ("Likes", pref.likes), ("Dislikes", pref.dislikes)):
            if values:
                facts.append(f"{label}: {_join(values)}")
    for label, values in (("Beliefs", p.beliefs), ("Skills", p.skills), ("Behaviors", p.behaviors)):
        if values:
            facts.append(f"{label}: {_join(values)}")
    if p.health:
        facts.append(f"Health: {p.health}")
    if p.relationships:
        facts.append(f"Relationships: {_join(p.relationships)}")
    if p.other_facts:
        facts.append(f"Other facts: {_join(p.other_facts)}")
    for key, value in sorted((p.model_extra or {}).items()):
        if value not in (None, "", [], {}):
            facts.append(f"{key.replace('_', ' ').capitalize()}: {_join(value)}")
    return facts
