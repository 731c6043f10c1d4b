"""Event store throughput and memory, printed as a table (issue 2's figures).

    .venv/bin/python benchmarks/bench_store.py [--events 1000000] [--pg URL] [--quick]

Measures, in one run on one machine: a raw ``sqlite3.executemany`` baseline (the same rows into
the same schema, batches of 1,000), SQLite one event per commit, SQLite batches of 1,000,
PostgreSQL batches of 100, four concurrent PostgreSQL writer processes, and a sequential typed
read + decode of a large SQLite log with the reader's peak RSS (``VmHWM`` of a fresh process;
``ru_maxrss`` would include the benchmark process it was forked from). Those use one small
event shape (an ``ActionTaken`` of ~150 bytes).

The realistic mix: the events a real run appends, captured from the bus while the 8-agent x
3-step example (examples/meal_kit_panel.yaml) runs on the mock LLM, with their sizes (full
prompts in ``LLMCallRequested``, answers in ``LLMCallCompleted``, persona definitions, actions,
perceptions). They are appended again under fresh run ids, both in the run's own batches (as the
bus writes them) and in batches of 1,000, on SQLite and PostgreSQL.

``ru_maxrss`` would include the benchmark process it was forked from). Signed appends
(``TROUPE_ES_SIGNING_KEY`` set: HMAC chain links and heads) are compared with unsigned ones on
SQLite (batches of 1,000) and PostgreSQL (batches of 100), alternating the two, best of three.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson  # noqa: E402
from procs import PANEL  # noqa: E402
from report import machine_note, print_rows  # noqa: E402

from troupe_es.events import ActionTaken, NewEvent  # noqa: E402
from troupe_es.store import InMemoryEventStore, open_store  # noqa: E402
from troupe_es.store.heads import KEY_ENV  # noqa: E402
from troupe_es.store.rows import encode_batch  # noqa: E402
from troupe_es.store.statements import insert_sql, row_params  # noqa: E402

T0 = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)


def events(n: int, offset: int = 0) -> list[NewEvent]:
    return [NewEvent(f"agent/a{i % 8}", ActionTaken(agent=f"a{i % 8}", action="TALK", target="b",
                                                    content=f"message {offset + i}: I would buy it if the price is right"),
                     sim_time=T0) for i in range(n)]


class _CapturingStore(InMemoryEventStore):
    """An in-memory store that keeps every batch handed to ``append``."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[NewEvent]] = []

    def append(self, run_id, events, expected_version=None):  # noqa: ANN001, ANN201
        self.batches.append(list(events))
        return super().append(run_id, events, expected_version)


def real_run_batches() -> list[list[NewEvent]]:
    """The batches a real run appends (the 8x3 example on the mock LLM), with fresh event ids."""
    from troupe_es.bootstrap import make_bus, make_gateway
    from troupe_es.commands.plan import plan_from_scenario
    from troupe_es.commands.scenario import execute
    from troupe_es.runtime import RuntimeSettings
    from troupe_es.scenario import load_scenario

    store = _CapturingStore()
    plan = plan_from_scenario(load_scenario(PANEL))
    gateway = make_gateway(store, llm="mock", cache=False)
    bus = make_bus(store, "capture", gateway=gateway,
                   settings=RuntimeSettings(model=plan.model, llm_parameters=plan.llm_parameters,
                                            max_actions=plan.max_actions, interventions=plan.interventions))
    outcome = execute(bus, plan)
    gateway.close()
    assert outcome.status == "completed", outcome.error
    return [[NewEvent(e.stream, e.event, sim_time=e.sim_time) for e in batch] for batch in store.batches]


def payload_bytes(event: NewEvent) -> int:
    return len(orjson.dumps(event.event.payload()))


def describe_mix(batches: list[list[NewEvent]]) -> str:
    sizes = sorted(payload_bytes(e) for b in batches for e in b)
    llm = sum(1 for b in batches for e in b if e.event.type.startswith("LLMCall"))
    n = len(sizes)
    return (f"{n} events in {len(batches)} batches; payload bytes mean {sum(sizes) / n:,.0f}, "
            f"median {sizes[n // 2]:,}, p95 {sizes[int(n * 0.95)]:,}, max {sizes[-1]:,}; "
            f"{llm / n:.0%} LLM call events")


def bench_mix(url: str, batches: list[list[NewEvent]], total: int, batch_size: int | None) -> tuple[float, float]:
    """(events/s, payload MB/s) appending the run's events again and again under fresh run ids,
    in the run's own batches (``batch_size`` None) or regrouped into batches of ``batch_size``."""
    run_events = [e for b in batches for e in b]
    written = elapsed = 0.0
    size = 0
    copy = 0
    with open_store(url) as store:
        while written < total:
            run = f"mix-{copy}"
            copy += 1
            fresh = [[NewEvent(e.stream, e.event, sim_time=e.sim_time) for e in b] for b in batches]
            groups = fresh if batch_size is None else [
                [e for b in fresh for e in b][i:i + batch_size] for i in range(0, len(run_events), batch_size)]
            for group in groups:
                t = time.perf_counter()
                store.append(run, group)
                elapsed += time.perf_counter() - t
                written += len(group)
                size += sum(payload_bytes(e) for e in group)
    return written / elapsed, size / elapsed / 1e6


def fresh_sqlite(directory: str, name: str) -> str:
    return f"sqlite:///{directory}/{name}.db"


def bench_raw_baseline(directory: str, total: int) -> float:
    url = fresh_sqlite(directory, "raw")
    open_store(url).close()  # same schema, indexes and triggers
    batch = events(1000)
    prepared = []
    for b in range(total // 1000):
        rows = encode_batch("raw", batch, next_position=b * 1000 + 1,
                            stream_versions={f"agent/a{i}": b * 125 for i in range(8)}, previous_chain="",
                            recorded_at=T0)
        prepared.append([row_params(r) for r in rows])
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    sql = insert_sql("?")
    t = time.perf_counter()
    for rows in prepared:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t
    conn.close()
    return total / elapsed


def bench_append(url: str, total: int, batch_size: int, run: str = "bench") -> float:
    """Events per second appended; event objects are built outside the timed section."""
    with open_store(url) as store:
        elapsed = 0.0
        for offset in range(0, total, batch_size):
            batch = events(min(batch_size, total - offset), offset)
            t = time.perf_counter()
            store.append(run, batch)
            elapsed += time.perf_counter() - t
        return total / elapsed


@contextmanager
def signing_key(value: str | None) -> Iterator[None]:
    """``TROUPE_ES_SIGNING_KEY`` set to ``value`` (unset for None) inside the block."""
    saved = os.environ.pop(KEY_ENV, None)
    if value is not None:
        os.environ[KEY_ENV] = value
    try:
        yield
    finally:
        os.environ.pop(KEY_ENV, None)
        if saved is not None:
            os.environ[KEY_ENV] = saved


def bench_signed(url_of: Callable[[str], str], total: int, batch_size: int, rounds: int = 3) -> tuple[float, float]:
    """Best unsigned and best signed append throughput over ``rounds`` alternating runs, into an
    unsigned and a signed store (a store is signed from its first event or not at all)."""
    plain_url, signed_url = url_of("unsigned"), url_of("signed")
    plain = signed = 0.0
    for r in range(rounds):
        with signing_key(None):
            plain = max(plain, bench_append(plain_url, total, batch_size, run=f"unsigned-{r}"))
        with signing_key("benchmark-signing-key"):
            signed = max(signed, bench_append(signed_url, total, batch_size, run=f"signed-{r}"))
    return plain, signed


def _pg_writer(url: str, run: str, total: int, batch: int, ready: mp.Queue, go, out: mp.Queue) -> None:  # noqa: ANN001
    with open_store(url) as store:
        batches = [events(batch, i) for i in range(0, total, batch)]
        ready.put(1)
        go.wait()
        for b in batches:
            store.append(run, b)
        out.put(time.perf_counter())


def bench_pg_concurrent(url: str, writers: int, per_writer: int, batch: int) -> float:
    """Writers start together (after their imports and data are ready); wall time to the last one."""
    open_store(url).close()
    ctx = mp.get_context("spawn")
    ready: mp.Queue = ctx.Queue()
    out: mp.Queue = ctx.Queue()
    go = ctx.Event()
    procs = [ctx.Process(target=_pg_writer, args=(url, f"w{i}-{uuid.uuid4().hex[:6]}", per_writer, batch,
                                                  ready, go, out)) for i in range(writers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    t = time.perf_counter()
    go.set()
    ends = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    return writers * per_writer / (max(ends) - t)


READER = """
import json, sys, time
sys.path.insert(0, {root!r})
from troupe_es.store import open_store
store = open_store({url!r})
t = time.perf_counter(); n = 0
for rec in store.read(batch_size=5000):
    n += 1
elapsed = time.perf_counter() - t
print(json.dumps({{"events": n, "seconds": elapsed, "peak_rss_mb": [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")][0] / 1024}}))
"""


def bench_read(url: str) -> dict:
    code = READER.format(root=str(Path(__file__).resolve().parents[1]), url=url)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def pg_schema_url(base: str) -> tuple[str, str]:
    """A fresh schema on the server, so the benchmark never touches real data."""
    import psycopg
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    conninfo = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{base}?options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="size of the log read back (default 1M)")
    parser.add_argument("--pg", default=os.environ.get("TROUPE_ES_TEST_PG",
                                                       "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    n_batch = 20_000 if args.quick else 100_000
    n_single = 500 if args.quick else 3_000
    n_read = 50_000 if args.quick else args.events
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        raw = bench_raw_baseline(tmp, n_batch)
        rows.append(("raw sqlite3.executemany baseline (batches of 1,000)", f"{raw:,.0f} events/s", ""))
        single = bench_append(fresh_sqlite(tmp, "single"), n_single, 1)
        rows.append(("SQLite, 1 event per commit", f"{single:,.0f} events/s", ""))
        batched = bench_append(fresh_sqlite(tmp, "batched"), n_batch, 1000)
        rows.append(("SQLite, batches of 1,000", f"{batched:,.0f} events/s",
                     f"target >= 100,000 and >= 0.5x raw (x{batched / raw:.2f})"))
        mix = real_run_batches()
        n_mix = 5_000 if args.quick else 30_000
        rows.append(("realistic mix (8x3 example, mock LLM):", "", describe_mix(mix)))
        for label, size in (("the run's own batches", None), ("batches of 1,000", 1000)):
            rate, mb = bench_mix(fresh_sqlite(tmp, f"mix{size}"), mix, n_mix, size)
            rows.append((f"  SQLite, {label}", f"{rate:,.0f} events/s", f"{mb:.1f} MB/s of payload"))
        plain, signed = bench_signed(lambda name: fresh_sqlite(tmp, name), n_batch // 2, 1000)
        rows.append(("SQLite, batches of 1,000, unsigned (best of 3)", f"{plain:,.0f} events/s", ""))
        rows.append(("SQLite, batches of 1,000, signed (best of 3)", f"{signed:,.0f} events/s",
                     f"target >= 0.9x unsigned (x{signed / plain:.2f})"))
        schemas: list[str] = []
        try:
            url, schema = pg_schema_url(args.pg)
            schemas.append(schema)
        except Exception as exc:  # noqa: BLE001 - report and go on without PostgreSQL
            rows.append(("PostgreSQL", "skipped", f"unreachable: {str(exc).splitlines()[0]}"))
        else:
            def pg_url(_name: str) -> str:
                fresh, name = pg_schema_url(args.pg)
                schemas.append(name)
                return fresh

            try:
                pg = bench_append(url, n_batch // 5, 100)
                rows.append(("PostgreSQL, batches of 100", f"{pg:,.0f} events/s", "target >= 20,000"))
                conc = bench_pg_concurrent(url, 4, n_batch // 20, 100)
                rows.append(("PostgreSQL, 4 concurrent writers (batches of 100)", f"{conc:,.0f} events/s", ""))
                for label, size in (("the run's own batches", None), ("batches of 1,000", 1000)):
                    rate, mb = bench_mix(url, mix, n_mix, size)
                    rows.append((f"PostgreSQL, realistic mix, {label}", f"{rate:,.0f} events/s",
                                 f"{mb:.1f} MB/s of payload"))
                plain, signed = bench_signed(pg_url, n_batch // 10, 100)
                rows.append(("PostgreSQL, batches of 100, unsigned (best of 3)", f"{plain:,.0f} events/s", ""))
                rows.append(("PostgreSQL, batches of 100, signed (best of 3)", f"{signed:,.0f} events/s",
                             f"target >= 0.9x unsigned (x{signed / plain:.2f})"))
            finally:
                for name in schemas:
                    drop_schema(args.pg, name)
        big = fresh_sqlite(tmp, "big")
        t = time.perf_counter()
        bench_append(big, n_read, 5000)
        rows.append((f"(building a {n_read:,}-event SQLite log)", f"{time.perf_counter() - t:.1f} s", ""))
        read = bench_read(big)
        rows.append((f"SQLite typed read + decode of {read['events']:,} events",
                     f"{read['events'] / read['seconds']:,.0f} events/s", "target >= 150,000"))
        rows.append(("  peak RSS of the reading process", f"{read['peak_rss_mb']:,.0f} MB", "target < 500 MB"))
    print(machine_note())
    print_rows([("measurement", "result", "note"), *rows], value_width=18)


if __name__ == "__main__":
    main()
