"""Time-travel benchmark: state at any position of a 1M-event log, debugger jumps, snapshot cost.

    .venv/bin/python benchmarks/bench_time_travel.py [--events N] [--quick] [--every K]
                                                     [--pg URL | --no-pg] [--samples S]

Generates one run of 8 agents (realistic steps: LLM request/completion, actions, cognitive
changes, deliveries; see ``tests/timetravel/builders.py``) on SQLite and, when reachable,
PostgreSQL (``--pg``, default ``$TROUPE_ES_TEST_PG``). Events are appended in big batches and
folded as the message bus does; the bus's :class:`SnapshotWriter` is called after every event
(so snapshots land every K positions) and its time is compared with the time spent appending.

Prints p50/p95 of: one agent's state at a random position (targets: ≤ 5 ms SQLite, ≤ 10 ms
PostgreSQL), the whole run state (≤ 500 ms), a debugger jump = ``goto P`` + ``state`` rendered
(≤ 200 ms), and snapshot writing as a fraction of append time (≤ 25%).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from tests.timetravel.builders import NAMES, RunBuilder  # noqa: E402
from troupe_es.cli.debugger import Debugger  # noqa: E402
from troupe_es.domain import RunState, evolve  # noqa: E402
from troupe_es.snapshots import SnapshotPolicy, SnapshotWriter, agent_state_at, state_at  # noqa: E402
from troupe_es.store import open_store  # noqa: E402

RUN = "bench-run"
AGENTS = NAMES[:8]


def generate(store, events: int, every: int, batch: int = 5000) -> dict:  # noqa: ANN001
    """Append about ``events`` events in big batches, then fold each of the runtime's own batches
    (one per turn, step start, deliveries...) and call the snapshot writer after it, as the bus
    does. Returns the time spent appending and writing snapshots."""
    builder = RunBuilder(RUN, agents=AGENTS)
    writer = SnapshotWriter(SnapshotPolicy(every))
    state = RunState()
    append_s = snapshot_s = 0.0
    pending: list = []
    sizes: list[int] = []
    written = 0

    def flush() -> None:
        nonlocal state, append_s, snapshot_s
        t0 = time.perf_counter()
        records = store.append(RUN, pending)
        append_s += time.perf_counter() - t0
        start = 0
        for size in sizes:
            for rec in records[start:start + size]:
                state = evolve(state, rec)
            start += size
            t1 = time.perf_counter()
            writer.after_batch(store, RUN, state)
            snapshot_s += time.perf_counter() - t1
        pending.clear()
        sizes.clear()

    source = builder.batches(10**9, complete=False)
    while written < events:
        chunk = next(source)
        pending.extend(chunk)
        sizes.append(len(chunk))
        written += len(chunk)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return {"events": written, "append_s": append_s, "snapshot_s": snapshot_s, "snapshots": writer.written}


def bus_append_rate(store, events: int = 20_000) -> float:  # noqa: ANN001
    """Events per second when appending the runtime's own batches (one transaction per turn)."""
    builder = RunBuilder("bench-bus-shaped", agents=AGENTS)
    written, seconds = 0, 0.0
    for chunk in builder.batches(10**9, complete=False):
        t0 = time.perf_counter()
        store.append(builder.run_id, chunk)
        seconds += time.perf_counter() - t0
        written += len(chunk)
        if written >= events:
            break
    return written / seconds


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def timed(fn, n: int) -> list[float]:  # noqa: ANN001
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(label: str, url: str, args: argparse.Namespace, agent_target: float) -> None:
    store = open_store(url)
    t0 = time.perf_counter()
    gen = generate(store, args.events, args.every)
    total = time.perf_counter() - t0
    first, last = 1, store.last_position()
    rng = random.Random(42)
    positions = [rng.randint(first + 50, last) for _ in range(args.samples)]
    agents = [rng.choice(AGENTS) for _ in range(args.samples)]
    print(f"\n== {label}: {gen['events']:,} events, {gen['snapshots']} snapshots every {args.every} "
          f"(generated in {total:.1f} s; appends {gen['append_s']:.1f} s = "
          f"{gen['events'] / gen['append_s']:,.0f} events/s)")
    agent_ms = timed(lambda i: agent_state_at(store, RUN, agents[i], position=positions[i]), args.samples)
    whole_n = max(10, args.samples // 4)
    whole_ms = timed(lambda i: state_at(store, RUN, position=positions[i]), whole_n)
    debugger = Debugger(store, RUN, plain=True)
    sink = Console(file=io.StringIO(), width=200, soft_wrap=True)

    def jump(i: int) -> None:
        sink.print(debugger.execute(f"goto {positions[i]}"))
        sink.print(debugger.execute("state"))
        sink.file = io.StringIO()

    jump_ms = timed(jump, whole_n)
    fraction = gen["snapshot_s"] / gen["append_s"]
    bus_rate = bus_append_rate(store, min(20_000, args.events // 5))
    per_snapshot = gen["snapshot_s"] / max(1, gen["snapshots"])
    bus_fraction = per_snapshot / (args.every / bus_rate)
    rows = [("one agent's state at a random position", agent_ms, agent_target),
            ("whole run state at a random position", whole_ms, 500.0),
            ("debugger jump (goto P + state, rendered)", jump_ms, 200.0)]
    for name, samples, target in rows:
        p50, p95 = percentiles(samples)
        verdict = "ok" if p95 <= target else "OVER TARGET"
        print(f"  {name:<44} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   (target p95 ≤ {target:g} ms: {verdict})")
    for name, value, detail in (
            ("snapshot writing / bulk append time", fraction,
             f"{gen['snapshot_s']:.2f} s for {gen['snapshots']} snapshots vs {gen['append_s']:.1f} s appending "
             f"{args.every}-event stretches in 5000-event batches"),
            ("snapshot writing / bus-shaped append time", bus_fraction,
             f"{per_snapshot * 1000:.2f} ms per snapshot vs {args.every / bus_rate * 1000:.1f} ms to append "
             f"{args.every} events in per-turn batches at {bus_rate:,.0f} events/s")):
        verdict = "ok" if value <= 0.25 else "OVER TARGET"
        print(f"  {name:<44} {value:8.1%}   ({detail}; target ≤ 25%: {verdict})")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100k events, fewer samples.")
    parser.add_argument("--every", type=int, default=SnapshotPolicy.every, help="Snapshot interval K.")
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--pg", default=os.environ.get("TROUPE_ES_TEST_PG"), metavar="URL")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.events, args.samples = min(args.events, 100_000), min(args.samples, 100)
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{tmp}/bench.db", args, 5.0)
    if args.pg and not args.no_pg:
        url = _fresh_pg_schema(args.pg)
        if url is None:
            print(f"\n(PostgreSQL at {args.pg} unreachable: skipped)")
        else:
            try:
                measure("PostgreSQL", url[0], args, 10.0)
            finally:
                url[1]()


def _fresh_pg_schema(base: str):  # noqa: ANN202
    """A private schema on the server (URL, cleanup) or None when unreachable."""
    import uuid
    from urllib.parse import quote

    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError:
        return None

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}", drop


if __name__ == "__main__":
    main()
