"""Replay speed, as whole processes: `troupe-es replay --verify` against the original `run`.

    .venv/bin/python benchmarks/bench_replay.py [--latency-ms 200] [--repeat 3]

The 8-agent x 3-step example (examples/meal_kit_panel.yaml) is run twice as a child process over
HTTP against `troupe-es mock-llm serve` (a separate process) at --latency-ms a call, once with
--parallel 1 and once with --parallel 8. The server is then stopped and each run is replayed
with `troupe-es replay RUN --verify` (best of --repeat processes). Speed-ups compare whole
processes (wall, start-up included) and, separately, the run phase with the replay's own phase.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procs import PANEL, mock_server, troupe  # noqa: E402
from report import machine_note, print_rows  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        originals = {}
        with mock_server(latency_ms=args.latency_ms) as url:
            for parallel in (1, 8):
                store = f"sqlite:///{tmp}/p{parallel}.db"
                done = troupe("--store", store, "run", str(PANEL), "--llm", "openai", "--base-url", url,
                              "--no-cache", "--parallel", str(parallel), "--json")
                originals[parallel] = (store, done, done.json())
        for parallel, (store, run, summary) in originals.items():
            replays = [troupe("--store", store, "replay", summary["run_id"], "--verify", "--json")
                       for _ in range(args.repeat)]
            best = min(replays, key=lambda r: r.wall)
            report = best.json()
            assert report["ok"], report
            label = f"--parallel {parallel} original"
            rows += [
                (f"{label}: run process (wall / CPU)", f"{run.wall:.2f} / {run.cpu:.2f} s",
                 f"run phase {summary['wall_seconds']:.2f} s wall; {summary['events']} events"),
                ("  replay --verify process (wall / CPU)", f"{best.wall:.2f} / {best.cpu:.2f} s",
                 f"replay phase {report['seconds'] * 1000:.0f} ms; {report['events']} events verified, "
                 f"{report['llm_calls_from_log']} LLM answers from the log"),
                ("  speed-up, whole processes (wall)", f"x{run.wall / best.wall:.1f}", ""),
                ("  speed-up, run phase vs replay phase", f"x{summary['wall_seconds'] / report['seconds']:.0f}",
                 "in-process times, start-up excluded"),
            ]
    print(f"8 agents x 3 steps (meal_kit_panel) @ {args.latency_ms} ms a call; {machine_note()}")
    print_rows(rows, value_width=16)


if __name__ == "__main__":
    main()
