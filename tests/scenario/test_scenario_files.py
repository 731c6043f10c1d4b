"""Scenario files: examples, defaults, script steps, persona resolution, records and durations."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from troupe_es.errors import ScenarioError
from troupe_es.scenario.steps import CancelStep, ScheduleStep
from troupe_es.scenario import (
    STEP_KINDS,
    BroadcastStep,
    GoalStep,
    MakeAccessibleStep,
    PollStep,
    RelateStep,
    RunStep,
    RunSteps,
    Scenario,
    SeeStep,
    TellStep,
    ThinkStep,
    load_scenario,
    parse_duration,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_loads_is_small_and_round_trips(path):
    scenario = load_scenario(path)
    assert 3 <= len(scenario.personas) <= 8 and 1 <= scenario.total_steps <= 6
    record = scenario.to_record()
    assert json.loads(json.dumps(record)) == record
    again = Scenario.from_record(record)
    assert again.to_record() == record and again.personas == scenario.personas and again.script == scenario.script


def test_the_three_required_examples_have_their_shape():
    focus = load_scenario(EXAMPLES / "focus_group.yaml")
    kinds = [type(step) for step in focus.script]
    assert kinds[0] is BroadcastStep and TellStep in kinds and kinds.count(RunStep) >= 2
    assert kinds.index(RunStep) < kinds.index(TellStep) < len(kinds) - 1 - kinds[::-1].index(RunStep)
    assert any(p.sources[1:] for p in focus.personas)  # a fragment merged on top of a persona file
    ads = load_scenario(EXAMPLES / "ad_evaluation.yaml")
    seen = [step.see.to for step in ads.script if isinstance(step, SeeStep)]
    assert sorted(seen) == sorted(ads.agent_names)
    assert all("Ad A" in s.see.text and "Ad B" in s.see.text and "Ad C" in s.see.text
               for s in ads.script if isinstance(s, SeeStep))
    assert isinstance(ads.script[-1], PollStep) and ads.script[-1].poll.options == ["Ad A", "Ad B", "Ad C"]
    brainstorm = load_scenario(EXAMPLES / "workplace_brainstorm.yaml")
    assert brainstorm.world.type == "social_network" and brainstorm.world.relations
    assert any(isinstance(step, GoalStep) for step in brainstorm.script)
    assert any(isinstance(step, RelateStep) for step in brainstorm.script)


def test_defaults(tmp_path):
    scenario = load_scenario(write(tmp_path, "name: d\npersonas: [{name: A}]\n"))
    assert scenario.seed == 0 and scenario.llm.model == "gpt-4o-mini" and scenario.budget is None
    assert scenario.world.start == datetime(2026, 1, 1, 9, 0) and scenario.world.step == "1h"
    assert scenario.world.everyone_accessible is True and scenario.world.type == "world"
    assert scenario.max_actions_per_turn == 15 and scenario.script == [] and scenario.interventions == []


def test_a_social_network_is_closed_unless_said_otherwise(tmp_path):
    closed = load_scenario(write(tmp_path, "name: n\nworld: {type: social_network}\npersonas: [{name: A}]\n"))
    assert closed.world.everyone_accessible is False
    opened = load_scenario(write(tmp_path, "name: n\nworld: {type: social_network, everyone_accessible: true}\n"
                                           "personas: [{name: A}]\n"))
    assert opened.world.everyone_accessible is True


EVERY_STEP = """
name: all-steps
seed: 5
llm: {model: m1, temperature: 0.2, max_tokens: 300, stop: ["\\n"]}
budget: {tokens: 1000, cost_usd: 0.5}
world: {name: Hall, start: 2026-02-03, step: 1h30m}
personas: [{name: A}, {name: B}, {name: C}]
interventions:
  - {name: i1, when: {step: 1}, do: {broadcast: hi}}
  - {name: i2, when: {every: 2}, do: {tell: {to: A, text: psst, from: B}}}
  - {name: i3, when: {after_step: 1}, do: {think: {to: B, text: hmm}}}
  - {name: i4, when: {said: price}, do: {see: {to: C, text: a sign}}}
script:
  - broadcast: hello
  - tell: {to: A, text: hi, from: moderator}
  - see: {to: B, text: a box}
  - think: {to: C, text: hungry}
  - goal: {to: A, text: win}
  - run: 2
  - run: {steps: 1, step: 30s}
  - make_accessible: [A, B]
  - make_accessible: everyone
  - relate: {between: [A, C], relation: friends}
  - poll: {question: "which?", options: [x, y], to: [A, B]}
  - schedule: {id: later, in: 2h, tell: {to: B, text: ping}}
  - cancel: later
"""


def test_every_script_step_parses_to_its_class_and_records_its_yaml_shape(tmp_path):
    scenario = load_scenario(write(tmp_path, EVERY_STEP))
    assert [type(s) for s in scenario.script] == [BroadcastStep, TellStep, SeeStep, ThinkStep, GoalStep, RunStep,
                                                   RunStep, MakeAccessibleStep, MakeAccessibleStep, RelateStep,
                                                   PollStep, ScheduleStep, CancelStep]
    assert {type(s).kind for s in scenario.script} == set(STEP_KINDS)
    assert scenario.script[1].tell.from_ == "moderator" and scenario.script[6].run == RunSteps(steps=1, step="30s")
    assert scenario.total_steps == 3 and scenario.world.start == datetime(2026, 2, 3)
    record = scenario.to_record()
    assert record["script"] == [
        {"broadcast": "hello"}, {"tell": {"to": "A", "text": "hi", "from": "moderator"}},
        {"see": {"to": "B", "text": "a box"}}, {"think": {"to": "C", "text": "hungry"}},
        {"goal": {"to": "A", "text": "win"}}, {"run": 2}, {"run": {"steps": 1, "step": "30s"}},
        {"make_accessible": ["A", "B"]}, {"make_accessible": "everyone"},
        {"relate": {"between": ["A", "C"], "relation": "friends"}},
        {"poll": {"question": "which?", "options": ["x", "y"], "to": ["A", "B"]}},
        {"schedule": {"id": "later", "in": "2h", "tell": {"to": "B", "text": "ping"}, "priority": 0}},
        {"cancel": "later"}]
    assert record["interventions"][1] == {"name": "i2", "when": {"every": 2},
                                          "do": {"tell": {"to": "A", "text": "psst", "from": "B"}}}
    assert record["llm"] == {"model": "m1", "temperature": 0.2, "max_tokens": 300, "stop": ["\n"]}
    assert record["budget"] == {"tokens": 1000, "cost_usd": 0.5}
    assert record["world"] == {"name": "Hall", "start": "2026-02-03T00:00:00", "step": "1h30m",
                               "everyone_accessible": True, "type": "world", "relations": []}
    assert Scenario.from_record(record).to_record() == record


def test_persona_files_fragments_and_overrides_resolve_relative_to_the_scenario(tmp_path, monkeypatch):
    (tmp_path / "people").mkdir()
    write(tmp_path / "people", json.dumps({"type": "TinyPerson", "persona": {
        "name": "Ana", "age": 40, "occupation": {"title": "Pilot", "organization": "AirCo"},
        "preferences": {"likes": ["tea"]}}}), "ana.agent.json")
    write(tmp_path / "people", json.dumps({"type": "Fragment", "persona": {
        "preferences": {"likes": ["tea", "coupons"]}, "beliefs": ["Save first."]}}), "frugal.fragment.json")
    path = write(tmp_path, "name: r\npersonas:\n"
                           "  - file: people/ana.agent.json\n    fragments: [people/frugal.fragment.json]\n"
                           "    name: Ana B\n    occupation: {organization: SkyCo}\n"
                           "  - name: Cy\n    fragments: [people/frugal.fragment.json]\n")
    monkeypatch.chdir("/")
    ana, cy = load_scenario(path).personas
    assert ana.name == "Ana B" and ana.sources == ("people/ana.agent.json", "people/frugal.fragment.json")
    assert ana.persona == {"name": "Ana B", "age": 40, "occupation": {"title": "Pilot", "organization": "SkyCo"},
                           "preferences": {"likes": ["tea", "coupons"]}, "beliefs": ["Save first."]}
    assert cy.persona == {"name": "Cy", "preferences": {"likes": ["tea", "coupons"]}, "beliefs": ["Save first."]}
    assert cy.sources == ("people/frugal.fragment.json",)


def test_from_record_reads_no_file(tmp_path):
    (tmp_path / "p.agent.json").write_text('{"type": "TinyPerson", "persona": {"name": "Ana"}}')
    record = load_scenario(write(tmp_path, "name: r\npersonas: [{file: p.agent.json}]\n")).to_record()
    (tmp_path / "p.agent.json").unlink()
    assert Scenario.from_record(record).personas[0].persona == {"name": "Ana"}


def test_from_record_validates_too():
    with pytest.raises(ScenarioError, match=r"^recorded scenario: script\[0\].tell.to: unknown agent 'Z'"):
        Scenario.from_record({"name": "x", "personas": [{"name": "A", "persona": {"name": "A"}}],
                              "script": [{"tell": {"to": "Z", "text": "hi"}}]})
    with pytest.raises(ScenarioError, match=r"^recorded scenario: personas: required field is missing"):
        Scenario.from_record({"name": "x"})


@pytest.mark.parametrize("text, expected", [
    ("15m", timedelta(minutes=15)), ("1h", timedelta(hours=1)), ("30s", timedelta(seconds=30)),
    ("1d", timedelta(days=1)), ("1.5h", timedelta(minutes=90)), ("1h30m", timedelta(minutes=90)),
    (" 2 days ", timedelta(days=2)), ("1w", timedelta(weeks=1)), ("10 min", timedelta(minutes=10)),
    (45, timedelta(seconds=45)), (0.5, timedelta(seconds=0.5)), (timedelta(hours=2), timedelta(hours=2)),
])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["soon", "", "15", "15x", "m15", "1h 30", "-5m", "0s", 0, -3, True, None, "1h-2m"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
