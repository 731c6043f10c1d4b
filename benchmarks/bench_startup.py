"""Start-up cost of the command line: CPU and wall time of whole `troupe-es` processes.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 7]

Each figure is one whole process, from exec to exit: CPU is user + system time of the child
(``getrusage(RUSAGE_CHILDREN)`` around ``subprocess.run``), wall is the time the parent waited.
The median and the best of ``--repeat`` runs are printed, after one unmeasured warm-up run of
each command (so Python's bytecode cache is written, as it is for an installed package; the
benchmark clears ``PYTHONDONTWRITEBYTECODE`` for its children).

1. ``troupe-es --help``.
2. ``troupe-es run`` of a 2-agent, 1-step scenario on the mock LLM into a fresh SQLite file
   (target <= 0.5 s of CPU).
3. ``troupe-es replay RUN --verify`` of ``examples/meal_kit_panel.yaml`` (8 agents x 3 steps),
   recorded once on the mock LLM (target <= 0.3 s of CPU).

It also lists which heavy libraries each command imported (none is the promise for these three).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from procs import PANEL, PERSONAS, child_env, cli_command, measure, scenario  # noqa: E402
from report import machine_note, print_rows  # noqa: E402

HEAVY = ("sqlalchemy", "polars", "pyarrow", "lancedb", "openai", "httpx", "numpy", "rich", "psycopg")

# Runs the CLI in-process in a child and reports which heavy libraries it imported.
IMPORTS = """
import json, sys
from troupe_es.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)) + "\\n")
"""


def series(argv: list[str], repeat: int, *, before=None) -> tuple[list[float], list[float]]:  # noqa: ANN001
    """CPU and wall seconds of ``repeat`` processes, after one unmeasured warm-up."""
    cpus, walls = [], []
    for i in range(repeat + 1):
        if before is not None:
            before()
        done = measure(argv)
        if i:
            cpus.append(done.cpu)
            walls.append(done.wall)
    return cpus, walls


def heavy_imports(cli_args: list[str], *, before=None) -> list[str]:  # noqa: ANN001
    if before is not None:
        before()
    code = IMPORTS.format(argv=cli_args, heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env())
    return json.loads(result.stderr.strip().splitlines()[-1])


def row(name: str, cpus: list[float], walls: list[float], target: str) -> tuple[str, str, str]:
    cpu_med, wall_med = statistics.median(cpus), statistics.median(walls)
    note = f"best {min(cpus):.3f} s CPU; wall median {wall_med:.3f} s (best {min(walls):.3f} s)"
    return name, f"{cpu_med:.3f} s CPU", f"{note}{'; ' + target if target else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="measured runs of each command (default 7)")
    args = parser.parse_args()
    cli = cli_command()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        tiny = scenario(tmp / "tiny.yaml", [PERSONAS / "lisa.agent.json", PERSONAS / "oscar.agent.json"], 1, "tiny")
        tiny_db = tmp / "tiny.db"

        def fresh() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{tiny_db}{suffix}").unlink(missing_ok=True)

        run_args = ["--store", f"sqlite:///{tiny_db}", "run", str(tiny), "--llm", "mock"]
        panel_store = f"sqlite:///{tmp / 'panel.db'}"
        recorded = subprocess.run([*cli, "--store", panel_store, "run", str(PANEL), "--llm", "mock", "-q"],
                                  capture_output=True, text=True, env=child_env(), check=True)
        run_id = recorded.stdout.strip().splitlines()[-1]
        replay_args = ["--store", panel_store, "replay", run_id, "--verify"]

        help_cpu, help_wall = series([*cli, "--help"], args.repeat)
        run_cpu, run_wall = series([*cli, *run_args], args.repeat, before=fresh)
        replay_cpu, replay_wall = series([*cli, *replay_args], args.repeat)
        rows.append(row("troupe-es --help", help_cpu, help_wall, ""))
        rows.append(row("troupe-es run, 2 agents x 1 step, mock LLM, fresh SQLite", run_cpu, run_wall,
                        "target <= 0.5 s CPU"))
        rows.append(row("troupe-es replay --verify, 8 agents x 3 steps (meal_kit_panel)", replay_cpu, replay_wall,
                        "target <= 0.3 s CPU"))
        for name, cli_args, before in (("--help", ["--help"], None), ("run", run_args, fresh),
                                       ("replay --verify", replay_args, None)):
            found = heavy_imports(cli_args, before=before)
            rows.append((f"  heavy libraries imported by {name}", ", ".join(found) or "none", ""))
    print(f"whole processes, median of {args.repeat} after a warm-up; {machine_note()}")
    print_rows(rows, value_width=12)


if __name__ == "__main__":
    main()
