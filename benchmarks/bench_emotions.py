"""Emotion figures (issue 13), printed as a table.

    .venv/bin/python benchmarks/bench_emotions.py [--quick]

1. The emotion fold: ``evolve`` on ``EmotionChanged`` events (a 2-agent and a 50-agent run
   state), microseconds per event, best of 5 rounds, the garbage collector paused as timeit
   does (target <= 5 us per event). The whole ``evolve`` is measured, the position update
   included.
Times are CPU time of this process (``time.process_time``): on a shared, loaded machine wall
time mostly measures waiting for a core.
2. The emotions capability's pure decide (decay and appraisal of one turn), microseconds per turn.
3. The baseline from a persona's Big Five (cached per persona) and uncached.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import machine_note, print_rows  # noqa: E402

PERSONA = {"name": "A", "personality": {"big_five": {"openness": "high", "conscientiousness": "low",
                                                     "extraversion": "very high", "agreeableness": "medium",
                                                     "neuroticism": "high"}}}


def records(agents: list[str], n: int) -> list:
    from troupe_es.events import EmotionChanged, Recorded

    start = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        v = ((i * 37) % 200 - 100) / 100
        event = EmotionChanged(agent=agents[i % len(agents)], pleasure=v, arousal=-v / 2, dominance=v / 3,
                               delta=[0.1, -0.05, 0.03], reason="appraisal" if i % 2 else "decay",
                               cause=f"agent/{agents[i % len(agents)]}@{i}")
        when = start + timedelta(minutes=15 * (i // len(agents)))
        out.append(Recorded(event=event, position=i + 1, run_id="bench", stream=f"agent/{agents[i % len(agents)]}",
                            stream_version=i + 1, event_id=f"e{i}", causation_id=None, sim_time=when,
                            recorded_at=when, content_hash="h", chain_hash="c"))
    return out


def fold_us(agents: int, n: int) -> float:
    from troupe_es.domain import AgentState, RunState, evolve

    names = [f"Agent {i}" for i in range(agents)]
    base = RunState(agents={name: AgentState(name=name, persona={**PERSONA, "name": name}) for name in names})
    recs = records(names, n)
    best = float("inf")
    gc.collect()
    gc.disable()  # as timeit does: a collection pass over the 200k records is not the fold's cost
    try:
        for _ in range(5):
            state = base
            t0 = time.process_time()
            for rec in recs:
                state = evolve(state, rec)
            best = min(best, time.process_time() - t0)
    finally:
        gc.enable()
    return best / n * 1e6


def decide_us(n: int) -> float:
    from troupe_es.commands.emotions import Appraisal, decide_emotions
    from troupe_es.domain import AgentState
    from troupe_es.domain.emotions import EmotionState

    agent = AgentState(name="A", persona=PERSONA, emotion=EmotionState(0.4, -0.2, 0.1, "2026-01-01T09:00:00+00:00", 3))
    appraisal = Appraisal(pleasure=-0.4, arousal=0.6, dominance=0.1, reason="an insult")
    t0 = time.process_time()
    for _ in range(n):
        decide_emotions(agent, appraisal, now="2026-01-01T10:30:00+00:00", half_life=3600, sensitivity=0.5,
                        turn="A/step-3/turn-3")
    return (time.process_time() - t0) / n * 1e6


def baseline_us(n: int, cached: bool) -> float:
    from troupe_es.domain.emotions import baseline, baseline_from_traits, big_five

    t0 = time.process_time()
    for _ in range(n):
        if cached:
            baseline(PERSONA)
        else:
            baseline_from_traits(big_five(PERSONA))
    return (time.process_time() - t0) / n * 1e6


def call_us(n: int) -> float:
    """An empty Python function call: the machine's speed right now, to scale the figures by."""
    def nothing() -> None:
        return None

    t0 = time.process_time()
    for _ in range(n):
        nothing()
    return (time.process_time() - t0) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer events (a smoke run)")
    args = parser.parse_args()
    n = 20_000 if args.quick else 200_000
    rows = [
        ("emotion fold, 2 agents", f"{fold_us(2, n):.2f} us/event", "target <= 5 us per event"),
        ("emotion fold, 50 agents", f"{fold_us(50, n):.2f} us/event", "target <= 5 us per event"),
        ("decide (decay + appraisal)", f"{decide_us(n // 10):.1f} us/turn", "pure, per agent turn"),
        ("baseline from Big Five, cached", f"{baseline_us(n // 10, True):.1f} us", "per prompt and decide"),
        ("baseline from Big Five, uncached", f"{baseline_us(n // 10, False):.1f} us", ""),
    ]
    call = call_us(n)
    fold = fold_us(2, n)
    rows.append(("empty Python call (calibration)", f"{call:.3f} us",
                 f"the 2-agent fold is {fold / call:.0f} such calls (about 0.05 us each on an idle core)"))
    print_rows(rows, value_width=18)
    print(machine_note())


if __name__ == "__main__":
    main()
