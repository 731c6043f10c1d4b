"""Every bad scenario is one ScenarioError line naming the file, the field and the problem."""

from __future__ import annotations

import json

import pytest

from troupe_es.errors import PersonaMergeError, ScenarioError
from troupe_es.scenario import load_scenario

GOOD = """\
name: test
seed: 3
world: {name: Room, step: 15m}
personas:
  - name: Lisa
  - name: Oscar
script:
  - broadcast: hello
  - run: 1
"""

INTERVENTION = "interventions:\n  - name: x\n    when: {step: 1}\n    do: {broadcast: hi}\n"


@pytest.fixture
def scenario_dir(tmp_path, monkeypatch):
    """A directory with persona files, as the working directory (so messages say ``s.yaml``)."""
    monkeypatch.chdir(tmp_path)
    files = {
        "ana.agent.json": {"type": "TinyPerson", "persona": {"name": "Ana", "age": 28,
                                                             "occupation": {"title": "Pilot"}}},
        "chef.fragment.json": {"type": "Fragment", "persona": {"occupation": {"title": "Chef"}}},
        "older.fragment.json": {"type": "Fragment", "persona": {"age": 61}},
        "bad.fragment.json": {"type": "Fragment", "persona": {"age": "old"}},
    }
    for name, data in files.items():
        (tmp_path / name).write_text(json.dumps(data))
    (tmp_path / "broken.agent.json").write_text('{"type": "TinyPerson",\n "persona": {"name": "A",}}')
    return tmp_path


def oscar_as(entry: str):
    return lambda t: t.replace("  - name: Oscar", entry)


CASES = [
    # YAML
    (lambda t: t.replace("seed: 3", "seed: [3"), "s.yaml: line 3: YAML syntax error: expected ',' or ']', but got ':'"),
    (lambda t: t.replace("seed: 3", "seed: 3\nseed: 4"), "s.yaml: line 3: YAML error: duplicate key 'seed'"),
    (lambda t: "- a\n- b\n", "s.yaml: expected a mapping of fields, got list"),
    (lambda t: "", "s.yaml: the scenario file is empty"),
    # unknown and missing fields
    (lambda t: t.replace("step: 15m", "stepz: 15m"), "s.yaml: world.stepz: unknown field (did you mean step?)"),
    (lambda t: t + "wrld: {}\n", "s.yaml: wrld: unknown field (did you mean world?)"),
    (lambda t: t + "llm: {temprature: 0.3}\n", "s.yaml: llm.temprature: unknown field (did you mean temperature?)"),
    (lambda t: t.replace("name: test\n", ""), "s.yaml: name: required field is missing"),
    (lambda t: t + "  - tell: {to: Lisa, txt: hi}\n", "s.yaml: script[2].tell.text: required field is missing"),
    (lambda t: t + "  - see: {to: Lisa, text: hi, from: Oscar}\n", "s.yaml: script[2].see.from: unknown field"),
    # values
    (lambda t: t.replace("seed: 3", "seed: abc"),
     "s.yaml: seed: input should be a valid integer, unable to parse string as an integer, got 'abc'"),
    (lambda t: t.replace("step: 15m", "step: [15m]"), "s.yaml: world.step: input should be a valid string"),
    (lambda t: t.replace("step: 15m", "step: soon"),
     "s.yaml: world.step: invalid duration 'soon': use e.g. 30s, 15m, 1h, 1h30m or 1d"),
    (lambda t: t.replace("name: Room", "type: graph"),
     "s.yaml: world.type: input should be 'world' or 'social_network', got 'graph'"),
    (lambda t: t + "llm: {temperature: 3}\n", "s.yaml: llm.temperature: input should be less than or equal to 2, got 3"),
    (lambda t: t + "max_actions_per_turn: 40\n",
     "s.yaml: max_actions_per_turn: input should be less than or equal to 15, got 40"),
    # script steps
    (lambda t: t.replace("run: 1", "run: -2"), "s.yaml: script[1].run: must be >= 0, got -2"),
    (lambda t: t.replace("run: 1", "run: {steps: -1}"), "s.yaml: script[1].run.steps: must be >= 0, got -1"),
    (lambda t: t.replace("run: 1", "run: {steps: 2, step: nope}"),
     "s.yaml: script[1].run.step: invalid duration 'nope': use e.g. 30s, 15m, 1h, 1h30m or 1d"),
    (lambda t: t.replace("run: 1", "rn: 1"), "s.yaml: script[1].rn: unknown script step (did you mean run? use one "
                                             "of broadcast, tell, see, think, goal, run, make_accessible, relate, poll, schedule, cancel)"),
    (lambda t: t.replace("run: 1", "run: 1\n    broadcast: x"), "s.yaml: script[1]: one step per line, got run, broadcast"),
    (lambda t: t.replace("  - run: 1", "  - run 1"), "s.yaml: script[1]: each script step needs exactly one of "
                                                     "broadcast, tell, see, think, goal, run, make_accessible, relate, poll, schedule, cancel"),
    (lambda t: t + "  - poll: {question: q, options: [A]}\n",
     "s.yaml: script[2].poll.options: list should have at least 2 items after validation, not 1"),
    (lambda t: t + "  - poll: {question: q, options: [A, A]}\n", "s.yaml: script[2].poll.options: duplicate option 'A'"),
    (lambda t: t + "  - make_accessible: [Lisa]\n",
     "s.yaml: script[2].make_accessible: list should have at least 2 items after validation, not 1"),
    (lambda t: t + "  - relate: {between: [Lisa, Lisa], relation: x}\n",
     "s.yaml: script[2].relate.between: an agent cannot relate to itself ('Lisa')"),
    # unknown agents
    (lambda t: t + "  - tell: {to: Bob, text: hi}\n", "s.yaml: script[2].tell.to: unknown agent 'Bob' (known: Lisa, Oscar)"),
    (lambda t: t + "  - see: {to: Bob, text: hi}\n", "s.yaml: script[2].see.to: unknown agent 'Bob' (known: Lisa, Oscar)"),
    (lambda t: t + "  - think: {to: Bob, text: hi}\n", "s.yaml: script[2].think.to: unknown agent 'Bob' (known: Lisa, Oscar)"),
    (lambda t: t + "  - goal: {to: Bob, text: hi}\n", "s.yaml: script[2].goal.to: unknown agent 'Bob' (known: Lisa, Oscar)"),
    (lambda t: t + "  - poll: {question: q, options: [A, B], to: [Lisa, Bob]}\n",
     "s.yaml: script[2].poll.to[1]: unknown agent 'Bob' (known: Lisa, Oscar)"),
    (lambda t: t + "  - make_accessible: [Lisa, Bob]\n",
     "s.yaml: script[2].make_accessible[1]: unknown agent 'Bob' (known: Lisa, Oscar)"),
    (lambda t: t + "  - relate: {between: [Bob, Lisa], relation: x}\n",
     "s.yaml: script[2].relate.between[0]: unknown agent 'Bob' (known: Lisa, Oscar)"),
    (lambda t: t.replace("name: Room", "relations: [{between: [Lisa, Bob], relation: x}]"),
     "s.yaml: world.relations[0].between[1]: unknown agent 'Bob' (known: Lisa, Oscar)"),
    (lambda t: t + INTERVENTION.replace("{broadcast: hi}", "{tell: {to: Bob, text: hi}}"),
     "s.yaml: interventions[0].do.tell.to: unknown agent 'Bob' (known: Lisa, Oscar)"),
    (lambda t: t + INTERVENTION.replace("{broadcast: hi}", "{think: {to: Bob, text: hi}}"),
     "s.yaml: interventions[0].do.think.to: unknown agent 'Bob' (known: Lisa, Oscar)"),
    # interventions
    (lambda t: t + INTERVENTION.replace("{step: 1}", "{step: 1, every: 2}"),
     "s.yaml: interventions[0].when: give exactly one of step, every, after_step, said (got step, every)"),
    (lambda t: t + INTERVENTION.replace("{step: 1}", "{stp: 1}"),
     "s.yaml: interventions[0].when.stp: unknown field (did you mean step?)"),
    (lambda t: t + INTERVENTION.replace("{broadcast: hi}", "{}"),
     "s.yaml: interventions[0].do: give exactly one of broadcast, tell, think, see"),
    # personas
    (oscar_as("  - name: Lisa"), "s.yaml: personas[1].name: duplicate agent name 'Lisa'"),
    (oscar_as("  - age: 3"), "s.yaml: personas[1].name: required field is missing"),
    (oscar_as("  - name: Oscar\n    age: -3"), "s.yaml: personas[1].age: input should be greater than or equal to 0, got -3"),
    (oscar_as("  - Oscar"), "s.yaml: personas[1]: input should be a valid dictionary, got 'Oscar'"),
    (lambda t: t.replace("  - name: Lisa\n  - name: Oscar\n", "  []\n"),
     "s.yaml: personas: list should have at least 1 item after validation, not 0"),
    (oscar_as("  - file: personas/x.agent.json"), "s.yaml: personas[1].file: persona file not found: personas/x.agent.json"),
    (oscar_as("  - file: ana.agent.json\n    fragments: [gone.fragment.json]"),
     "s.yaml: personas[1].fragments[0]: fragment file not found: gone.fragment.json"),
    (oscar_as("  - file: broken.agent.json"),
     "s.yaml: personas[1].file: broken.agent.json: line 2: invalid JSON: Expecting property name enclosed in double quotes"),
    (oscar_as("  - file: ana.agent.json\n    fragments: [bad.fragment.json]"),
     "s.yaml: personas[1].fragments[0]: bad.fragment.json: persona.age: input should be a valid integer, "
     "unable to parse string as an integer, got 'old'"),
    (oscar_as("  - file: chef.fragment.json"), "s.yaml: personas[1].file: chef.fragment.json is a fragment; list it under fragments"),
    (oscar_as("  - file: ana.agent.json\n    fragments: [ana.agent.json]"),
     "s.yaml: personas[1].fragments[0]: ana.agent.json is an agent file, not a fragment"),
    (oscar_as("  - file: ana.agent.json\n    fragments: chef.fragment.json"),
     "s.yaml: personas[1].fragments: expected a list of fragment files"),
]


@pytest.mark.parametrize("mutate, expected", CASES, ids=[c[1].split(": ", 2)[1] + f"-{i}" for i, c in enumerate(CASES)])
def test_bad_scenario_is_one_line_naming_file_field_and_problem(scenario_dir, mutate, expected):
    (scenario_dir / "s.yaml").write_text(mutate(GOOD))
    with pytest.raises(ScenarioError) as err:
        load_scenario("s.yaml")
    assert str(err.value) == expected


@pytest.mark.parametrize("entry, expected", [
    ("  - file: ana.agent.json\n    fragments: [chef.fragment.json]",
     "s.yaml: personas[1].fragments[0]: occupation.title: conflicts with the persona ('Pilot' vs 'Chef'); "
     "'Pilot' is from ana.agent.json, 'Chef' from chef.fragment.json"),
    ("  - file: ana.agent.json\n    fragments: [older.fragment.json]",
     "s.yaml: personas[1].fragments[0]: age: conflicts with the persona (28 vs 61); "
     "28 is from ana.agent.json, 61 from older.fragment.json"),
    ("  - name: Oscar\n    occupation: {title: Pilot}\n    fragments: [chef.fragment.json]",
     "s.yaml: personas[1].fragments[0]: occupation.title: conflicts with the persona ('Pilot' vs 'Chef'); "
     "'Pilot' is from the inline persona, 'Chef' from chef.fragment.json"),
])
def test_a_fragment_conflicting_with_a_scalar_names_field_and_both_sources(scenario_dir, entry, expected):
    (scenario_dir / "s.yaml").write_text(oscar_as(entry)(GOOD))
    with pytest.raises(PersonaMergeError) as err:
        load_scenario("s.yaml")
    assert str(err.value) == expected


def test_a_conflict_between_two_fragments_names_the_earlier_fragment(scenario_dir):
    (scenario_dir / "cook.fragment.json").write_text('{"type": "Fragment", "persona": {"occupation": {"title": "Cook"}}}')
    (scenario_dir / "s.yaml").write_text(oscar_as("  - name: Oscar\n    fragments: [cook.fragment.json, chef.fragment.json]")(GOOD))
    with pytest.raises(PersonaMergeError, match=r"'Cook' is from cook.fragment.json, 'Chef' from chef.fragment.json$"):
        load_scenario("s.yaml")


def test_missing_or_unreadable_scenario_file(scenario_dir):
    with pytest.raises(ScenarioError, match=r"^nope.yaml: scenario file not found$"):
        load_scenario("nope.yaml")
    with pytest.raises(ScenarioError, match=r"^\.: is a directory, not a scenario file$"):
        load_scenario(".")
