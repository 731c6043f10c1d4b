"""Scenarios are bounded by construction (issue 9.7): steps are generated lazily, and every
number a scenario gives has an upper bound refused with one line naming the field.
"""

from __future__ import annotations

import tracemalloc
from datetime import datetime

import pytest

from tests.cli.helpers import troupe_in_process
from troupe_es import limits
from troupe_es.commands.models import AdvanceStep
from troupe_es.commands.scenario import line_commands, steps_in
from troupe_es.errors import ScenarioError
from troupe_es.scenario import load_scenario

HUNDRED_MILLION = 100_000_000

BASE = """\
name: long
seed: 1
world: {name: Room, start: 2026-03-01T09:00:00, step: 1m}
personas:
  - name: Lisa
  - name: Oscar
script:
  - broadcast: hello
  - run: 1
"""


def test_a_run_line_yields_its_steps_lazily_in_bounded_memory():
    tracemalloc.start()
    try:
        commands = line_commands({"run": HUNDRED_MILLION}, "Room")
        first = [next(commands) for _ in range(3)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert first == [AdvanceStep(world="Room", step_seconds=None)] * 3
    assert peak < 1_000_000, f"{peak} bytes for three steps of a 100M-step line"
    assert steps_in([{"run": HUNDRED_MILLION}, {"run": {"steps": 2, "step": "1h"}}]) == HUNDRED_MILLION + 2


def test_every_other_line_is_still_one_command():
    assert [type(c).__name__ for c in line_commands({"broadcast": "hi"}, "Room")] == ["Broadcast"]
    assert [c.kind for c in line_commands({"tell": {"to": "Lisa", "text": "hi"}}, "Room")] == ["listen"]
    assert list(line_commands({"run": 0}, "Room")) == []
    assert [c.step_seconds for c in line_commands({"run": {"steps": 2, "step": "30m"}}, "Room")] == [1800.0] * 2


def test_a_hundred_million_step_run_with_a_tiny_budget_starts_at_once_in_bounded_memory(tmp_path):
    scenario = tmp_path / "long.yaml"
    scenario.write_text(BASE.replace("run: 1", f"run: {HUNDRED_MILLION}"), encoding="utf-8")
    tracemalloc.start()
    try:
        res = troupe_in_process("run", str(scenario), "--llm", "mock", "--budget-tokens", "1", "--json",
                                store="memory://")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.code == 0, res.err
    assert '"status": "budget-exceeded"' in res.out and '"steps": 0' in res.out
    # Expanding the line up front held every step in memory: about 2.9 GB for this script.
    assert peak < 60_000_000, f"peak {peak / 1e6:.0f} MB"


BOUNDS = [
    (lambda t: t.replace("run: 1", f"run: {limits.MAX_STEPS_PER_RUN_LINE + 1}"),
     f"l.yaml: script[1].run: must be from 0 to {limits.MAX_STEPS_PER_RUN_LINE} steps, got "
     f"{limits.MAX_STEPS_PER_RUN_LINE + 1}"),
    (lambda t: t.replace("run: 1", f"run: {{steps: {limits.MAX_STEPS_PER_RUN_LINE + 1}}}"),
     f"l.yaml: script[1].run.steps: must be from 0 to {limits.MAX_STEPS_PER_RUN_LINE} steps, got "
     f"{limits.MAX_STEPS_PER_RUN_LINE + 1}"),
    (lambda t: t.replace("run: 1", f"run: {limits.MAX_STEPS_PER_RUN_LINE}\n  - run: {{steps: 2, step: 1s}}")
     .replace("step: 1m", "step: 0.001"),
     f"l.yaml: script[2].run: the script runs {limits.MAX_TOTAL_STEPS + 2} steps by this line; "
     f"at most {limits.MAX_TOTAL_STEPS} are allowed in all"),
    (lambda t: t.replace("seed: 1", f"seed: {limits.INT64_MAX + 1}"),
     f"l.yaml: seed: {limits.INT64_MAX + 1} does not fit in 64 bits (at most {limits.INT64_MAX})"),
    (lambda t: t.replace("seed: 1", f"seed: {limits.INT64_MIN - 1}"),
     f"l.yaml: seed: {limits.INT64_MIN - 1} does not fit in 64 bits (at most {limits.INT64_MAX})"),
    (lambda t: t.replace("step: 1m", "step: 3654d"),
     "l.yaml: world.step: duration must be from 0.001s to 3653d (ten years), got '3654d'"),
    (lambda t: t.replace("step: 1m", "step: 0.0001"),
     "l.yaml: world.step: duration must be from 0.001s to 3653d (ten years), got 0.0001"),
    (lambda t: t.replace("run: 1", "run: {steps: 1, step: 9999w}"),
     "l.yaml: script[1].run.step: duration must be from 0.001s to 3653d (ten years), got '9999w'"),
    (lambda t: t.replace("2026-03-01T09:00:00", "9999-12-31T00:00:00").replace("run: 1", "run: 1441"),
     "l.yaml: script[1].run: the simulated clock would pass the year 9999 "
     "(world.start 9999-12-31T00:00:00 + 86460 s)"),
    (lambda t: t.replace("2026-03-01T09:00:00", "9999-12-31T23:00:00-05:00"),
     "l.yaml: world.start: 9999-12-31T23:00:00-05:00 is out of range in UTC"),
    (lambda t: t.replace("hello", "x" * (limits.MAX_TEXT_CHARS + 1)),
     f"l.yaml: script[0].broadcast: string should have at most {limits.MAX_TEXT_CHARS} characters"),
    (lambda t: t.replace("name: Lisa", "name: " + "L" * (limits.NAME_CHARS + 1)),
     f"l.yaml: personas[0].name: names are at most {limits.NAME_CHARS} characters, got {limits.NAME_CHARS + 1}"),
    (lambda t: t.replace("name: Room", "name: " + "R" * (limits.NAME_CHARS + 1)),
     f"l.yaml: world.name: names are at most {limits.NAME_CHARS} characters, got {limits.NAME_CHARS + 1}"),
    (lambda t: t.replace("name: Lisa", 'name: "Li\\nsa"'),
     "l.yaml: personas[0].name: names cannot contain control characters (newlines, tabs, NUL...)"),
    (lambda t: t.replace("name: Room", 'name: "Ro\\0om"'),
     "l.yaml: world.name: names cannot contain control characters (newlines, tabs, NUL...)"),
    (lambda t: t + "llm: {max_tokens: 99999999999999999999}\n",
     "l.yaml: llm.max_tokens: 99999999999999999999 does not fit in 64 bits (at most 9223372036854775807)"),
    (lambda t: t + "llm: {temperature: .nan}\n", "l.yaml: llm.temperature: nan is not a finite number"),
    (lambda t: t + "budget: {cost_usd: .inf}\n", "l.yaml: budget.cost_usd: inf is not a finite number"),
    (lambda t: t.replace("hello", '"\\ud800"'),
     "l.yaml: script[0].broadcast: text is not valid Unicode (a lone surrogate escape?)"),
    (lambda t: t + "  - poll: {question: q, options: [%s]}\n" % ", ".join(f"o{i}" for i in range(limits.MAX_POLL_OPTIONS + 1)),
     f"l.yaml: script[2].poll.options: list should have at most {limits.MAX_POLL_OPTIONS} items after "
     f"validation, not {limits.MAX_POLL_OPTIONS + 1}"),
    (lambda t: t.replace("  - name: Oscar\n", "".join(f"  - name: P{i}\n" for i in range(limits.MAX_PERSONAS))),
     f"l.yaml: personas: list should have at most {limits.MAX_PERSONAS} items after validation, not "
     f"{limits.MAX_PERSONAS + 1}"),
    (lambda t: t.replace("  - name: Lisa", "  - name: Lisa\n    nested: " + "[" * (limits.MAX_NESTING + 1)
                         + "]" * (limits.MAX_NESTING + 1)),
     "l.yaml: personas[0].nested" + "[0]" * (limits.MAX_NESTING - 2) + f": nested more than {limits.MAX_NESTING} "
     "levels deep"),
]


@pytest.mark.parametrize("mutate, expected", BOUNDS, ids=[e.split(": ")[1] + f"-{i}" for i, (_, e) in enumerate(BOUNDS)])
def test_a_scenario_past_a_bound_is_one_line_naming_the_field(tmp_path, monkeypatch, mutate, expected):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "l.yaml").write_text(mutate(BASE), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario("l.yaml")
    assert str(err.value) == expected


def test_the_largest_allowed_values_are_accepted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (BASE.replace("run: 1", f"run: {limits.MAX_STEPS_PER_RUN_LINE}").replace("step: 1m", "step: 0.001")
            .replace("seed: 1", f"seed: {limits.INT64_MIN}").replace("name: Lisa", "name: " + "L" * limits.NAME_CHARS)
            .replace("hello", "x" * limits.MAX_TEXT_CHARS))
    (tmp_path / "l.yaml").write_text(text, encoding="utf-8")
    scenario = load_scenario("l.yaml")
    assert scenario.total_steps == limits.MAX_STEPS_PER_RUN_LINE and scenario.seed == limits.INT64_MIN


def test_yaml_aliases_cannot_blow_a_small_file_up(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    laughs = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = BASE.replace("  - name: Lisa", "  - name: Lisa\n    laughs: {%s}" % ", ".join(laughs))
    (tmp_path / "l.yaml").write_text(text, encoding="utf-8")
    assert len(text) < 2_000
    with pytest.raises(ScenarioError, match=rf"^l.yaml: personas\[0\]\.laughs\..*: more than {limits.MAX_VALUES} values"):
        load_scenario("l.yaml")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open(tmp_path / "big.yaml", "wb") as fh:
        fh.truncate(limits.MAX_FILE_BYTES + 1)  # sparse: nothing to read in it anyway
    with pytest.raises(ScenarioError, match=rf"^big.yaml: {limits.MAX_FILE_BYTES + 1} bytes; scenario files larger "
                                            rf"than {limits.MAX_FILE_BYTES} bytes are refused$"):
        load_scenario("big.yaml")


def _store_runs(url: str) -> list[str]:
    from troupe_es.store import open_store

    with open_store(url) as store:
        return [s.run_id for s in store.run_summaries()]


def test_the_longest_agent_and_world_names_run_on_every_backend(tmp_path, store_url):
    if store_url == "memory://":
        pytest.skip("a memory store lives in one process; the run below checks its own outcome")
    agent, world = "A" * limits.NAME_CHARS, "W" * limits.NAME_CHARS
    text = BASE.replace("name: Lisa", f"name: {agent}").replace("name: Room", f"name: {world}")
    (tmp_path / "l.yaml").write_text(text + f"  - tell: {{to: {agent}, text: hi}}\n  - run: 1\n", encoding="utf-8")
    res = troupe_in_process("run", str(tmp_path / "l.yaml"), "--llm", "mock", "-q", store=store_url)
    assert res.code == 0, res.err
    run_id = res.out.strip()
    log = troupe_in_process("log", run_id, "--json", "--stream", f"agent/{agent}", store=store_url)
    assert log.code == 0 and log.out.count(f'"stream": "agent/{agent}"') >= 3


def test_a_name_one_character_too_long_is_refused_before_the_run_starts_on_every_backend(tmp_path, store_url):
    text = BASE.replace("name: Lisa", "name: " + "A" * 300)
    (tmp_path / "l.yaml").write_text(text, encoding="utf-8")
    res = troupe_in_process("run", str(tmp_path / "l.yaml"), "--llm", "mock", "-q", store=store_url)
    assert res.code == 1 and "Traceback" not in res.err
    assert res.err.strip() == (f"error: {tmp_path / 'l.yaml'}: personas[0].name: names are at most "
                               f"{limits.NAME_CHARS} characters, got 300")
    if store_url != "memory://":
        assert _store_runs(store_url) == []


def test_the_simulated_clock_cannot_pass_the_year_9999_even_from_python():
    from troupe_es import Simulation
    from troupe_es.errors import SimulationError

    sim = Simulation.open("memory://")
    room = sim.world("Room", people=[sim.person("Lisa")], start=datetime(9999, 12, 31, 23, 0), step="1h")
    before = sim.store.last_position()
    with pytest.raises(SimulationError, match=r"^world 'Room': step 0 would take the simulated clock past the "
                                              r"year 9999 \(it is 9999-12-31T23:00:00"):
        room.run(1)
    assert sim.store.last_position() == before  # the step was refused before it started


def test_script_and_intervention_counts_are_bounded(tmp_path):
    from troupe_es.scenario.loader import resolve

    base = {"name": "x", "personas": [{"name": "Lisa"}]}
    with pytest.raises(ScenarioError, match=rf"^s.yaml: script: list should have at most {limits.MAX_SCRIPT_LINES} "
                                            rf"items after validation, not {limits.MAX_SCRIPT_LINES + 1}$"):
        resolve({**base, "script": [{"run": 0}] * (limits.MAX_SCRIPT_LINES + 1)}, "s.yaml", tmp_path)
    intervention = {"name": "i", "when": {"step": 1}, "do": {"broadcast": "hi"}}
    with pytest.raises(ScenarioError, match=rf"^s.yaml: interventions: list should have at most "
                                            rf"{limits.MAX_INTERVENTIONS} items"):
        resolve({**base, "interventions": [intervention] * (limits.MAX_INTERVENTIONS + 1)}, "s.yaml", tmp_path)


def test_a_pipe_is_refused_without_blocking(tmp_path, monkeypatch):
    import os

    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it for reading would wait for a writer forever
    with pytest.raises(ScenarioError, match=r"^pipe.yaml: not a regular file$"):
        load_scenario("pipe.yaml")


def test_the_documented_limits_are_the_enforced_ones():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line.split("|")[2] for line in doc.splitlines()
            if line.startswith("| ") and line.count("|") == 3}
    expected = {
        "scenario or persona file": f"{limits.MAX_FILE_BYTES // 2**20} MiB",
        "nesting of mappings and lists": f"{limits.MAX_NESTING} levels",
        "values in a file, YAML aliases expanded": f"{limits.MAX_VALUES:,}",
        "agent and world names": f"1 to {limits.NAME_CHARS} characters",
        "`personas`": f"{limits.MAX_PERSONAS:,}",
        "`script`": f"{limits.MAX_SCRIPT_LINES:,} lines",
        "`interventions`": f"{limits.MAX_INTERVENTIONS:,}",
        "`poll.options`": f"{limits.MAX_POLL_OPTIONS:,}",
        "steps of one `run:` line": f"{limits.MAX_STEPS_PER_RUN_LINE:,}",
        "steps of the whole script": f"{limits.MAX_TOTAL_STEPS:,}",
        "`max_actions_per_turn`": f"{limits.MAX_ACTIONS_PER_TURN}",
        "a world step (`world.step`, `run.step`)": f"{limits.MIN_STEP_SECONDS} s to {limits.MAX_STEP_SECONDS / 86400:.0f} days",
    }
    for what, value in expected.items():
        assert value in rows[what], (what, rows[what])
    text_row = next(v for k, v in rows.items() if k.startswith("any text field"))
    assert f"{limits.MAX_TEXT_CHARS:,}" in text_row
    assert str(limits.INT64_MAX) in next(v for k, v in rows.items() if k.startswith("any whole number"))
