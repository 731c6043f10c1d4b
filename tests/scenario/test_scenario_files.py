"""Scenario files: examples load, records round-trip, and every bad input is one clear line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from troupe_es.errors import PersonaMergeError, ScenarioError
from troupe_es.scenario import Scenario, load_scenario, parse_duration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

GOOD = """
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


def write(tmp_path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_examples_load_and_round_trip():
    assert len(EXAMPLES) >= 3
    for path in EXAMPLES:
        scenario = load_scenario(path)
        assert len(scenario.personas) >= 3
        record = scenario.to_record()
        assert Scenario.from_record(record).to_record() == record
    personas = list((ROOT / "examples" / "personas").glob("*.agent.json"))
    fragments = list((ROOT / "examples" / "personas").glob("*.fragment.json"))
    assert len(personas) >= 5 and fragments


def test_durations():
    assert parse_duration("15m") == timedelta(minutes=15) and parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2) and parse_duration(30) == timedelta(seconds=30)
    with pytest.raises(ValueError):
        parse_duration("soon")


@pytest.mark.parametrize("mutate, expected", [
    (lambda t: t.replace("seed: 3", "seed: [3"), r"s.yaml: line \d+: YAML syntax error"),
    (lambda t: t.replace("step: 15m", "stepz: 15m"), r"s.yaml: world.stepz: unknown field"),
    (lambda t: t.replace("  - name: Oscar", "  - file: missing.agent.json"),
     r"s.yaml: personas\[1\].file: persona file not found: missing.agent.json"),
    (lambda t: t + "  - tell: {to: Bob, text: hi}\n", r"s.yaml: script\[2\].tell.to: unknown agent 'Bob' \(known: Lisa, Oscar\)"),
    (lambda t: t.replace("run: 1", "run: -2"), r"s.yaml: script\[1\].run: must be >= 0"),
    (lambda t: t.replace("  - name: Oscar", "  - name: Lisa"), r"s.yaml: personas\[1\].name: duplicate agent name 'Lisa'"),
    (lambda t: t + "  - dance: now\n", r"s.yaml: script\[2\].dance: unknown script step"),
    (lambda t: t.replace("step: 15m", "step: soon"), r"s.yaml: world.step: .*invalid duration"),
    (lambda t: t.replace("name: test\n", ""), r"s.yaml: name: required field is missing"),
    (lambda t: t + "  - poll: {question: q, options: [A]}\n", r"s.yaml: script\[2\].poll.options: .*at least 2"),
])
def test_bad_scenarios_fail_with_one_line_naming_file_field_and_problem(tmp_path, mutate, expected):
    path = write(tmp_path, mutate(GOOD))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "\n" not in message
    import re
    assert re.search(expected, message), message


def test_fragment_conflicting_with_a_scalar(tmp_path):
    (tmp_path / "p.agent.json").write_text('{"type": "TinyPerson", "persona": {"name": "Lisa", "age": 28}}')
    (tmp_path / "f.fragment.json").write_text('{"type": "Fragment", "persona": {"age": 40}}')
    path = write(tmp_path, GOOD.replace("  - name: Lisa", "  - file: p.agent.json\n    fragments: [f.fragment.json]"))
    with pytest.raises(PersonaMergeError, match=r"s.yaml: personas\[0\].fragments\[0\]: age: conflicts"):
        load_scenario(path)


def test_missing_scenario_file(tmp_path):
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.yaml")
