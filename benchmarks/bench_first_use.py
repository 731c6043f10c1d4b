"""Races on first use: concurrent ``troupe-es`` processes on a store that does not exist yet.

    .venv/bin/python benchmarks/bench_first_use.py [--rounds 20] [--runs 6] [--rebuilds 4]
                                                   [--backends sqlite,postgresql] [--pg URL] [--json]

Each round, on a new SQLite file and on a new PostgreSQL schema: ``--runs`` processes of
``troupe-es run examples/focus_group.yaml --llm mock`` start at once (every one of them creates
the tables, the LLM cache index and writes checkpoints), then ``--rebuilds`` processes of
``troupe-es projections rebuild`` run at once on the result. A failure is a process that exits
non-zero, or a store that does not end with one verified run per process. Prints the failures of
every round (and the first line of each failing process's stderr); exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_store import drop_schema, pg_schema_url  # noqa: E402
from report import print_rows  # noqa: E402
from troupe_es.store import open_store  # noqa: E402
from troupe_es.verification import verify  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "examples/focus_group.yaml"


def at_once(url: str, argv: list[str], processes: int) -> list[str]:
    """Start ``processes`` copies of ``troupe-es --store URL ARGV`` together; the last stderr
    line of each one that failed."""
    command = [sys.executable, "-m", "troupe_es", "--store", url, *argv]
    procs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(processes)]
    failures = []
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            lines = err.strip().splitlines() or ["(no output)"]
            failures.append(f"exit {proc.returncode}: {lines[-1][:300]}")
    return failures


def check_store(url: str, runs: int) -> list[str]:
    """What is wrong with the store after the round (nothing: an empty list)."""
    with open_store(url, readonly=True) as store:
        found = len(store.run_summaries())
        report = verify(store)
    problems = [] if found == runs else [f"{found} runs recorded, expected {runs}"]
    return problems + ([] if report.ok else [f"verify failed: {report.problem}"])


def one_round(url: str, runs: int, rebuilds: int) -> dict[str, list[str]]:
    failed_runs = at_once(url, ["run", SCENARIO, "--llm", "mock"], runs)
    failed_rebuilds = at_once(url, ["projections", "rebuild"], rebuilds)
    return {"runs": failed_runs, "rebuilds": failed_rebuilds, "store": check_store(url, runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=6, help="concurrent `run` processes per round")
    parser.add_argument("--rebuilds", type=int, default=4, help="concurrent `projections rebuild` processes")
    parser.add_argument("--pg", default=os.environ.get("TROUPE_ES_TEST_PG",
                                                       "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated (default both)")
    parser.add_argument("--json", action="store_true", help="print the rounds as one JSON document")
    args = parser.parse_args()

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown or not backends:
        parser.error(f"--backends takes sqlite and/or postgresql, not {args.backends!r}")
    rounds: list[dict] = []
    for n in range(1, args.rounds + 1):
        if "sqlite" in backends:
            with tempfile.TemporaryDirectory() as directory:
                rounds.append({"round": n, "backend": "sqlite",
                               **one_round(f"sqlite:///{directory}/first-use.db", args.runs, args.rebuilds)})
        if "postgresql" in backends:
            url, schema = pg_schema_url(args.pg)
            try:
                rounds.append({"round": n, "backend": "postgresql", **one_round(url, args.runs, args.rebuilds)})
            finally:
                drop_schema(args.pg, schema)
        if not args.json:
            for r in rounds[-len(backends):]:
                print(f"round {r['round']:>2} {r['backend']:<10} failed runs {len(r['runs'])}/{args.runs}, "
                      f"failed rebuilds {len(r['rebuilds'])}/{args.rebuilds}, store problems {len(r['store'])}",
                      flush=True)
                for line in r["runs"] + r["rebuilds"] + r["store"]:
                    print(f"    {line}", flush=True)
    failures = sum(len(r["runs"]) + len(r["rebuilds"]) + len(r["store"]) for r in rounds)
    if args.json:
        print(json.dumps({"rounds": rounds, "failures": failures}))
    else:
        print_rows([(f"{b}: processes failed", str(sum(len(r["runs"]) + len(r["rebuilds"]) for r in rounds
                                                           if r["backend"] == b)),
                     f"of {args.rounds * (args.runs + args.rebuilds)} in {args.rounds} rounds")
                    for b in backends] + [("total failures", str(failures), "")])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
