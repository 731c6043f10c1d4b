"""Personas: the TinyTroupe persona model, its files and fragments, and its prompt rendering."""

from troupe_es.personas.files import (
    PersonaSpec,
    load_persona_file,
    merge_persona,
    override_persona,
    read_persona_dict,
    read_persona_file,
    validate_persona,
)
from troupe_es.personas.model import Occupation, Persona, Personality, Preferences
from troupe_es.personas.prompt import persona_prompt_facts

__all__ = ["Occupation", "Persona", "PersonaSpec", "Personality", "Preferences", "load_persona_file",
           "merge_persona", "override_persona", "persona_prompt_facts", "read_persona_dict",
           "read_persona_file", "validate_persona"]
