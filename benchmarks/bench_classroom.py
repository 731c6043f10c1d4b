"""Classroom figures (issue 12, item 6), printed as a table.

    .venv/bin/python benchmarks/bench_classroom.py [--quick]

1. The session controller: ``decide_classroom`` for a student without the floor (a TALK to the
   class and one to a classmate) and for the teacher (CALL_ON next, ASK), decisions/s.
2. The classroom fold: classroom events folded into a class of 30 students, events/s.
3. The class report (``class_report``) of a class of 30 students, reports/s.
4. ``examples/classroom.yaml`` end to end on the mock LLM and an in-memory store, in a fresh
   ``troupe-es`` process: wall seconds (start-up included) and its summary line.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import machine_note, print_rows  # noqa: E402

STUDENTS = tuple(f"S{i:02d}" for i in range(30))


def _state():
    from troupe_es.domain import AgentState, RunState, WorldState
    from troupe_es.domain.classroom import ClassroomState

    room = ClassroomState(teacher="T", students=STUDENTS, segments=("One",), segment=1,
                          hands=tuple((s, "") for s in STUDENTS[:10]))
    world = WorldState(name="Room", members=("T", *STUDENTS), classroom=room)
    agents = {n: AgentState(name=n, persona={"name": n}, world="Room", turns=3) for n in ("T", *STUDENTS)}
    return RunState(seed=1, agents=agents, worlds={"Room": world})


def decide_rate(n: int) -> float:
    from troupe_es.commands.classroom.control import decide_classroom
    from troupe_es.events import ActionTaken

    state = _state()
    student = [ActionTaken(agent="S20", action="TALK", content="hi", target=None, index=0),
               ActionTaken(agent="S20", action="TALK", content="psst", target="S21", index=1)]
    teacher = [ActionTaken(agent="T", action="CALL_ON", content="next", target=None, index=0),
               ActionTaken(agent="T", action="ASK", content="Why?", target=None, index=1)]
    t0 = time.perf_counter()
    for i in range(n // 2):
        decide_classroom(state, "S20", student)
        decide_classroom(state, "T", teacher)
    return n / (time.perf_counter() - t0)


def fold_rate(n: int) -> float:
    from datetime import datetime, timezone

    from troupe_es.domain.evolve import evolve
    from troupe_es.events import FloorGranted, HandRaised, QuestionAsked, Recorded, RemarkMade

    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    kinds = [lambda i: HandRaised(world="Room", student=STUDENTS[i % 30], turn=i),
             lambda i: FloorGranted(world="Room", student=STUDENTS[i % 30], by="T", how="queue"),
             lambda i: RemarkMade(world="Room", agent=STUDENTS[i % 30], turn=i),
             lambda i: QuestionAsked(world="Room", question_id=f"q{i}", by="T", question="?", turn=i)]
    records = [Recorded(i + 1, "r", "world/Room", i + 1, f"e{i}", None, None, when, "", "", kinds[i % 4](i))
               for i in range(n)]
    state = _state()
    t0 = time.perf_counter()
    for rec in records:
        state = evolve(state, rec)
    return n / (time.perf_counter() - t0)


def report_rate(n: int) -> float:
    from troupe_es.projections.classroom import class_report

    state = _state()
    t0 = time.perf_counter()
    for _ in range(n):
        class_report(state, "Room")
    return n / (time.perf_counter() - t0)


def example_run() -> tuple[float, str]:
    """Wall seconds of ``troupe-es run examples/classroom.yaml`` (a fresh process, memory://),
    and its summary line."""
    import subprocess

    cmd = [str(Path(sys.executable).with_name("troupe-es")), "--store", "memory://", "run",
           str(ROOT / "examples" / "classroom.yaml")]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - t0
    summary = next((line for line in (out.stdout + out.stderr).splitlines() if line.startswith("completed")), "")
    return elapsed, summary.split(" — ")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Smaller sizes (a smoke run).")
    args = parser.parse_args()
    n = 2_000 if args.quick else 20_000
    rows = [
        (f"controller: {n:,} turn decisions", f"{decide_rate(n):,.0f}/s", "student (hand + whisper) and teacher (CALL_ON, ASK)"),
        (f"fold: {n:,} classroom events, 30 students", f"{fold_rate(n):,.0f}/s", "hands, floor, remarks, questions"),
        (f"class report, 30 students, x{n // 10:,}", f"{report_rate(n // 10):,.0f}/s", "projections.classroom.class_report"),
    ]
    try:
        seconds, summary = example_run()
        rows.append(("examples/classroom.yaml on the mock LLM", f"{seconds:,.2f} s", f"whole process, memory://; {summary}"))
    except Exception as exc:  # noqa: BLE001 - a figure, not a test
        rows.append(("examples/classroom.yaml on the mock LLM", "n/a", f"{type(exc).__name__}: {exc}"))
    print_rows(rows, value_width=14)
    print(machine_note())


if __name__ == "__main__":
    main()
