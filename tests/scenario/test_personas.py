"""TinyTroupe persona files, fragments, the TinyTroupe merge rules and the prompt rendering."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from troupe_es.errors import PersonaMergeError, ScenarioError
from troupe_es.personas import (
    Persona,
    PersonaSpec,
    load_persona_file,
    merge_persona,
    override_persona,
    persona_prompt_facts,
    read_persona_dict,
)

ROOT = Path(__file__).resolve().parents[2]
PERSONAS = ROOT / "examples" / "personas"


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_agent_file_is_read_normalised_and_keeps_extra_fields(tmp_path):
    agent = write(tmp_path, "a.agent.json", {"type": "TinyPerson", "persona": {
        "name": "Ana", "age": 33, "occupation": "Pilot", "hobby": "kites",
        "personality": {"traits": ["bold"], "humour": "dry"}}})
    spec = load_persona_file(agent)
    assert spec == PersonaSpec("TinyPerson", {"name": "Ana", "age": 33, "occupation": {"title": "Pilot"},
                                              "hobby": "kites",
                                              "personality": {"traits": ["bold"], "humour": "dry"}}, str(agent))
    assert spec.name == "Ana" and not spec.is_fragment
    persona = spec.to_persona()
    assert persona.occupation.title == "Pilot" and persona.model_extra == {"hobby": "kites"}
    assert persona.personality.model_extra == {"humour": "dry"}


def test_fragment_file_has_no_name_and_cannot_stand_alone(tmp_path):
    frag = write(tmp_path, "f.fragment.json", {"type": "Fragment", "persona": {"preferences": {"likes": "tea"}}})
    spec = load_persona_file(frag)
    assert spec.kind == "Fragment" and spec.is_fragment and spec.name is None
    assert spec.persona == {"preferences": {"likes": ["tea"]}}  # one string -> one-item list
    assert read_persona_dict(frag) == {"preferences": {"likes": "tea"}}  # the raw dict, untouched
    with pytest.raises(ScenarioError, match=r"f.fragment.json: name: required field is missing"):
        spec.to_persona()


def test_bare_persona_object_is_accepted(tmp_path):
    spec = load_persona_file(write(tmp_path, "bare.json", {"name": "Bo", "age": 70}))
    assert spec.kind == "persona" and spec.to_persona().age == 70


@pytest.mark.parametrize("content, expected", [
    ({"type": "Robot", "persona": {}}, r"b.json: type: expected TinyPerson or Fragment, got 'Robot'"),
    ({"type": "TinyPerson"}, r"b.json: persona: missing or not an object"),
    ([1, 2], r"b.json: a persona file must hold a JSON object"),
    ('{"type": "TinyPerson",\n "persona": {"name": "A",}}', r"b.json: line 2: invalid JSON: "),
    ({"type": "TinyPerson", "persona": {"name": "A", "age": "old"}},
     r"b.json: persona.age: input should be a valid integer.*got 'old'"),
    ({"type": "Fragment", "persona": {"occupation": {"title": ["x"]}}},
     r"b.json: persona.occupation.title: input should be a valid string"),
    ({"type": "TinyPerson", "persona": {"age": 3}}, r"b.json: persona.name: required field is missing"),
])
def test_bad_persona_files_give_one_line_naming_file_and_field(tmp_path, content, expected):
    with pytest.raises(ScenarioError, match=expected) as err:
        load_persona_file(write(tmp_path, "b.json", content))
    assert "\n" not in str(err.value)


def test_missing_persona_file(tmp_path):
    with pytest.raises(ScenarioError, match=r"nope.agent.json: persona file not found"):
        load_persona_file(tmp_path / "nope.agent.json")


def test_merge_dicts_recurse_lists_concatenate_without_duplicates_none_is_replaced():
    base = {"name": "Ana", "age": None, "style": "calm", "preferences": {"likes": ["tea", "jazz"]},
            "personality": {"big_five": {"openness": "high"}}}
    fragment = {"age": 33, "style": "calm", "health": None, "beliefs": ["x"],
                "preferences": {"likes": ["jazz", "kites", "kites"], "dislikes": ["noise"]},
                "personality": {"big_five": {"neuroticism": "low"}}}
    before = copy.deepcopy((base, fragment))
    merged = merge_persona(base, fragment, where="f.json")
    assert merged == {"name": "Ana", "age": 33, "style": "calm", "beliefs": ["x"],
                      "preferences": {"likes": ["tea", "jazz", "kites"], "dislikes": ["noise"]},
                      "personality": {"big_five": {"openness": "high", "neuroticism": "low"}}}
    assert "health" not in merged  # a None in the fragment never erases anything
    assert (base, fragment) == before  # inputs untouched


def test_scalar_conflict_names_the_field_path_and_both_values():
    with pytest.raises(PersonaMergeError) as err:
        merge_persona({"occupation": {"title": "Pilot"}}, {"occupation": {"title": "Chef"}}, where="f.json")
    assert str(err.value) == "f.json: occupation.title: conflicts with the persona ('Pilot' vs 'Chef')"
    assert (err.value.field, err.value.current, err.value.value) == ("occupation.title", "Pilot", "Chef")
    with pytest.raises(PersonaMergeError, match=r"f.json: beliefs: cannot merge a value into a list"):
        merge_persona({"beliefs": ["a"]}, {"beliefs": "b"}, where="f.json")
    with pytest.raises(PersonaMergeError, match=r"f.json: occupation: cannot merge an object into a value"):
        merge_persona({"occupation": "Pilot"}, {"occupation": {"title": "Pilot"}}, where="f.json")


def test_overrides_recurse_into_dicts_and_replace_everything_else():
    base = {"name": "Ana", "occupation": {"title": "Pilot", "organization": "AirCo"}, "beliefs": ["a"]}
    assert override_persona(base, {"name": "Ann", "occupation": {"organization": "SkyCo"}, "beliefs": ["b"]}) == {
        "name": "Ann", "occupation": {"title": "Pilot", "organization": "SkyCo"}, "beliefs": ["b"]}


def test_persona_model_is_lenient_where_tinytroupe_files_are_and_spec_is_compact():
    persona = Persona.model_validate({
        "name": "Ana", "occupation": "Pilot", "personality": ["bold", "wry"], "beliefs": "fair play",
        "behaviors": {"general": ["hums"], "routines": {"morning": ["coffee"]}},
        "relationships": ["Bo, her brother", {"name": "Cy", "description": "friend"}],
        "preferences": {"likes": ["tea"], "colours": ["teal"]}, "skills": []})
    spec = persona.to_spec()
    assert spec == {"name": "Ana", "occupation": {"title": "Pilot"}, "personality": {"traits": ["bold", "wry"]},
                    "beliefs": ["fair play"], "behaviors": {"general": ["hums"], "routines": {"morning": ["coffee"]}},
                    "relationships": ["Bo, her brother", {"name": "Cy", "description": "friend"}],
                    "preferences": {"likes": ["tea"], "colours": ["teal"]}}
    assert json.loads(json.dumps(spec)) == spec
    assert Persona.model_validate(spec).to_spec() == spec


FULL = {
    "name": "Ana", "age": 33, "gender": "female", "nationality": "Chilean", "residence": "Lyon",
    "education": "MSc Physics",
    "occupation": {"title": "Pilot", "organization": "AirCo", "description": "long haul", "since": 2015},
    "style": "wry", "personality": {"traits": ["bold"], "big_five": {"openness": "high"}, "humour": "dark"},
    "preferences": {"interests": ["kites"], "likes": ["tea"], "dislikes": ["noise"], "colours": ["teal"]},
    "beliefs": ["fair play"], "skills": ["navigation"],
    "behaviors": {"general": ["hums"], "routines": {"morning": ["stretches"]}}, "health": "fit",
    "relationships": [{"name": "Bo", "description": "brother"}], "other_facts": ["owns a boat"],
    "favourite_food": "ceviche"}


def test_every_persona_field_reaches_the_prompt_facts_in_order():
    facts = persona_prompt_facts(Persona.model_validate(FULL))
    text = "\n".join(facts)
    for value in ("Ana", "33", "female", "Chilean", "Lyon", "MSc Physics", "Pilot", "AirCo", "long haul", "2015",
                  "wry", "bold", "openness: high", "dark", "kites", "tea", "noise", "teal", "fair play",
                  "navigation", "hums", "stretches", "fit", "Bo (brother)", "owns a boat", "ceviche"):
        assert value in text, value
    labels = [f.split(":")[0] for f in facts]
    assert labels == ["Name", "About", "Lives in", "Education", "Occupation", "Style", "Traits", "Big Five",
                      "Humour", "Interests", "Likes", "Dislikes", "Colours", "Beliefs", "Skills", "Behaviors",
                      "Health", "Relationships", "Other facts", "Favourite food"]
    assert facts[1] == "About: 33 years old, female, Chilean"
    assert facts[4] == "Occupation: Pilot at AirCo: long haul (since: 2015)"


def test_empty_fields_are_left_out_of_the_prompt():
    assert persona_prompt_facts(Persona.model_validate({"name": "Bo", "beliefs": [], "preferences": {}})) == [
        "Name: Bo"]


def test_example_personas_are_ours_varied_and_render_small():
    agents = sorted(PERSONAS.glob("*.agent.json"))
    fragments = sorted(PERSONAS.glob("*.fragment.json"))
    assert len(agents) >= 5 and len(fragments) >= 1
    personas = [load_persona_file(p).to_persona() for p in agents]
    assert len({p.name for p in personas}) == len(personas)
    assert len({p.nationality for p in personas}) == len(personas)
    assert max(p.age for p in personas) - min(p.age for p in personas) >= 30
    for p in personas:
        assert p.occupation.title and p.personality.big_five and p.preferences.likes, p.name
        assert p.beliefs and p.skills and p.behaviors, p.name
        facts = "\n".join(persona_prompt_facts(p))
        assert len(facts) < 2000, (p.name, len(facts))
    for f in fragments:
        spec = load_persona_file(f)
        assert spec.is_fragment and spec.persona
