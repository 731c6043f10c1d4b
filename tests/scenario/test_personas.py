"""TinyTroupe persona files, fragments and the TinyTroupe merge rules."""

from __future__ import annotations

import json

import pytest

from troupe_es.errors import PersonaMergeError, ScenarioError
from troupe_es.personas import Persona, load_persona_file, merge_persona, persona_prompt_facts, read_persona_dict


def test_agent_and_fragment_files(tmp_path):
    agent = tmp_path / "a.agent.json"
    agent.write_text(json.dumps({"type": "TinyPerson", "persona": {"name": "Ana", "age": 33,
                                                                    "occupation": "Pilot", "hobby": "kites"}}))
    frag = tmp_path / "f.fragment.json"
    frag.write_text(json.dumps({"type": "Fragment", "persona": {"preferences": {"likes": ["tea"]}}}))
    persona = load_persona_file(agent)
    assert persona.occupation.title == "Pilot" and persona.model_extra == {"hobby": "kites"}
    assert read_persona_dict(frag) == {"preferences": {"likes": ["tea"]}}
    bad = tmp_path / "b.json"
    bad.write_text('{"type": "Robot"}')
    with pytest.raises(ScenarioError, match="type: expected TinyPerson or Fragment"):
        read_persona_dict(bad)


def test_merge_rules():
    base = {"name": "Ana", "age": None, "preferences": {"likes": ["tea", "jazz"]}, "style": "calm"}
    merged = merge_persona(base, {"age": 33, "preferences": {"likes": ["jazz", "kites"], "dislikes": ["noise"]},
                                  "style": "calm", "beliefs": ["x"]}, where="f.json")
    assert merged == {"name": "Ana", "age": 33, "style": "calm", "beliefs": ["x"],
                      "preferences": {"likes": ["tea", "jazz", "kites"], "dislikes": ["noise"]}}
    with pytest.raises(PersonaMergeError, match=r"f.json: occupation.title: conflicts.*'Pilot' vs 'Chef'"):
        merge_persona({"occupation": {"title": "Pilot"}}, {"occupation": {"title": "Chef"}}, where="f.json")


def test_every_persona_field_reaches_the_prompt_facts():
    persona = Persona.model_validate({
        "name": "Ana", "age": 33, "gender": "female", "nationality": "Chilean", "residence": "Lyon",
        "education": "MSc Physics", "occupation": {"title": "Pilot", "organization": "AirCo", "description": "long haul"},
        "style": "wry", "personality": {"traits": ["bold"], "big_five": {"openness": "high"}},
        "preferences": {"interests": ["kites"], "likes": ["tea"], "dislikes": ["noise"]},
        "beliefs": ["fair play"], "skills": ["navigation"], "behaviors": ["hums"], "health": "fit",
        "relationships": [{"name": "Bo", "description": "brother"}], "other_facts": ["owns a boat"],
        "favourite_colour": "teal"})
    text = "\n".join(persona_prompt_facts(persona))
    for value in ("Ana", "33", "female", "Chilean", "Lyon", "MSc Physics", "Pilot", "AirCo", "long haul", "wry",
                  "bold", "openness: high", "kites", "tea", "noise", "fair play", "navigation", "hums", "fit",
                  "brother", "owns a boat", "teal"):
        assert value in text, value
    assert len(text) < 2000
