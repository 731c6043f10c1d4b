"""Emotions end to end on the mock LLM: the example negotiation, replay, --parallel 8, fork,
`troupe-es emotions` (table, JSON, PNG and HTML plots), `state`, and off by default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import troupe
from tests.memory.helpers import events, run, scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "emotions-negotiation.yaml")


def trajectory(store: str, run_id: str) -> list[tuple]:
    return [(r.content_hash, r.event.agent, r.event.pleasure, r.event.arousal, r.event.dominance, r.event.reason)
            for r in events(store, run_id, "EmotionChanged")]


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("emotions")
    store = f"sqlite:///{tmp / 'events.db'}"
    return store, run(EXAMPLE, store, "--parallel", "1"), tmp


def test_the_example_negotiation_changes_emotions_and_replays_verified(example):
    store, run_id, _ = example
    changes = [r.event for r in events(store, run_id, "EmotionChanged")]
    assert {e.agent for e in changes} == {"Marta Kowalski", "Jonas Berg", "Ola Kowalska"}
    assert {e.reason for e in changes} == {"appraisal", "decay"}
    appraised = [e for e in changes if e.reason == "appraisal"]
    assert len({(e.pleasure, e.arousal, e.dominance) for e in appraised}) == len(appraised)  # they vary
    assert all(-1 <= v <= 1 for e in changes for v in (e.pleasure, e.arousal, e.dominance))
    assert any(e.cause.startswith("agent/") and "@" in e.cause for e in appraised)  # caused by a stimulus
    res = troupe("replay", run_id, "--verify", "--json", store=store)
    assert res.code == 0, res.err
    assert json.loads(res.out)["verified"]


def test_the_prompt_names_the_emotion_and_the_emotional_style(example):
    store, run_id, _ = example
    prompts = [r.event.messages[-1]["content"] for r in events(store, run_id, "LLMCallRequested")]
    assert all("You feel " in p and "your emotional style: " in p for p in prompts)
    assert any("You feel hostile" in p or "You feel disdainful" in p for p in prompts)


def test_parallel_8_and_a_fork_give_identical_emotion_trajectories(example):
    store, one, _ = example
    eight = run(EXAMPLE, store, "--parallel", "8")
    assert trajectory(store, one) == trajectory(store, eight)
    assert [r.content_hash for r in events(store, one)] == [r.content_hash for r in events(store, eight)]
    at = [r.position for r in events(store, one, "EmotionChanged")][5]
    fork = troupe("fork", one, "--at", str(at), "-q", store=store)
    assert fork.code == 0, fork.err
    child = fork.out.strip().splitlines()[-1]
    inherited = [t for t, r in zip(trajectory(store, one), events(store, one, "EmotionChanged")) if r.position <= at]
    assert trajectory(store, child)[:len(inherited)] == inherited
    assert troupe("replay", child, "--verify", store=store).code == 0


def test_emotions_command_prints_json_table_and_plots(example):
    store, run_id, tmp = example
    res = troupe("emotions", run_id, "--json", store=store)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    marta = data["agents"]["Marta Kowalski"]
    assert marta["baseline"]["octant"] == "hostile"  # low agreeableness, high extraversion, neurotic
    assert marta["changes"] == len(marta["trajectory"]) > 0
    last = marta["trajectory"][-1]
    assert marta["current"]["pleasure"] == last["pleasure"]
    only = json.loads(troupe("emotions", run_id, "--agent", "Jonas Berg", "--json", store=store).out)
    assert list(only["agents"]) == ["Jonas Berg"]
    table = troupe("emotions", run_id, store=store)
    assert table.code == 0 and "Marta Kowalski" in table.out and "appraisal" in table.out
    png, page = tmp / "e.png", tmp / "e.html"
    assert troupe("emotions", run_id, "--plot", str(png), store=store).code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert troupe("emotions", run_id, "--plot", str(page), store=store).code == 0
    text = page.read_text()
    assert "<svg" in text and "Jonas Berg" in text
    bad = troupe("emotions", run_id, "--plot", str(tmp / "e.gif"), store=store)
    assert bad.code == 1 and "use a .png or .html" in bad.err and "Traceback" not in bad.err
    missing = troupe("emotions", run_id, "--agent", "Nobody", store=store)
    assert missing.code == 1 and "Nobody" in missing.err


def test_state_at_a_position_shows_the_pad_state_as_it_was(example):
    store, run_id, _ = example
    first, *_, final = [r for r in events(store, run_id, "EmotionChanged") if r.event.agent == "Jonas Berg"]
    early = json.loads(troupe("state", run_id, "--at", str(first.position), "--agent", "Jonas Berg", "--json",
                              store=store).out)
    assert early["emotion"]["pleasure"] == first.event.pleasure and early["emotion"]["changes"] == 1
    late = json.loads(troupe("state", run_id, "--agent", "Jonas Berg", "--json", store=store).out)
    assert late["emotion"]["pleasure"] == final.event.pleasure
    shown = troupe("state", run_id, "--at", str(first.position), "--agent", "Jonas Berg", store=store)
    assert "emotion (PAD)" in shown.out and "baseline" in shown.out


def test_memories_are_tagged_with_the_mood_they_were_stored_in(example):
    store, run_id, _ = example
    state = json.loads(troupe("state", run_id, "--agent", "Marta Kowalski", "--json", store=store).out)
    items = state["book"]["items"]
    assert items and all(m["pad"] is not None and len(m["pad"]) == 3 for m in items)


def test_without_an_emotions_section_nothing_changes(tmp_path):
    store = f"sqlite:///{tmp_path / 'events.db'}"
    path = scenario(tmp_path, memory=None, script=[{"broadcast": "Hello."}, {"run": 2}])
    run_id = run(path, store)
    assert not events(store, run_id, "EmotionChanged")
    prompts = [r.event.messages[-1]["content"] for r in events(store, run_id, "LLMCallRequested")]
    assert prompts and not any("You feel" in p for p in prompts)
    schema = json.dumps([r.event.model_dump(mode="json") for r in events(store, run_id, "LLMCallRequested")])
    assert "appraisal" not in schema


def test_a_bad_emotions_section_is_one_clear_line(tmp_path):
    store = f"sqlite:///{tmp_path / 'events.db'}"
    path = Path(scenario(tmp_path, memory=None, script=[{"run": 1}]))
    text = path.read_text() + "emotions: {half_life: soon}\n"
    path.write_text(text)
    res = troupe("run", str(path), "-q", store=store)
    assert res.code == 1 and "emotions.half_life" in res.err and "Traceback" not in res.err
    path.write_text(text.replace("half_life: soon", "sensitivty: 0.5"))
    res = troupe("run", str(path), "-q", store=store)
    assert res.code == 1 and "emotions" in res.err and "sensitivity" in res.err


def test_the_debugger_state_and_log_show_emotions(example):
    store, run_id, _ = example
    change = next(r for r in events(store, run_id, "EmotionChanged") if r.event.agent == "Marta Kowalski")
    res = troupe("debug", run_id, "--commands", f"goto {change.position}; state Marta Kowalski; quit", store=store)
    assert res.code == 0, res.err
    assert "emotion (PAD)" in res.out and f"{change.event.pleasure:+.2f}" in res.out
    log = troupe("log", run_id, "--type", "EmotionChanged", "--json", store=store)
    assert log.code == 0 and "EmotionChanged" in log.out


def test_the_python_facade_takes_an_emotions_section(tmp_path):
    from troupe_es.api import Simulation
    from troupe_es.errors import ScenarioError

    with Simulation.open(f"sqlite:///{tmp_path / 'nb.db'}", emotions={"half_life": "30m"}) as sim:
        ana = sim.person("Ana", personality={"big_five": {"neuroticism": "very high"}})
        world = sim.world("Room", people=[ana, sim.person("Ben")])
        world.broadcast("The project is cancelled.")
        world.run(2)
        mine = ana.emotions()
        assert mine["changes"] >= 2 and mine["baseline"]["arousal"] > 0
        assert ana.state.emotion.pleasure == mine["current"]["pleasure"]
        assert sim.replay().verified
    with pytest.raises(ScenarioError, match="emotions: half_lfe"):
        Simulation.open("memory://", emotions={"half_lfe": "1h"})
