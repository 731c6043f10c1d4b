"""Knowledge graph figures (issue 11), printed as a table.

    .venv/bin/python benchmarks/bench_knowledge.py [--quick]

1. Graph rebuild from the log: ``FactsExtracted`` events read from SQLite and folded, events/s
   (target >= 5,000 fact events/s), 5 facts an event.
2. Neighbourhood query (the open edges touching an entity) on a graph of 100k edges: p95
   (target <= 5 ms), on the fold's adjacency index and on the networkx view. Timed in CPU time
   of this process (``time.process_time``, 1 ms resolution at worst), since the machines these
   run on are often shared; the rebuild prints wall and CPU rates.
3. Extraction cost of the example scenario on the mock LLM: extraction calls per episode
   (target <= 1), from the run's own log.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import machine_note, print_rows  # noqa: E402

PREDICATES = ["likes", "prefers", "talks about", "works with", "costs", "knows"]
START = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)


def fact_events(n_events: int, per_event: int, n_entities: int, seed: int = 1) -> list:
    from troupe_es.events import Fact, FactsExtracted, NewEvent

    rng = random.Random(seed)
    out = []
    for i in range(n_events):
        when = START + timedelta(minutes=i)
        facts = [Fact(subject=f"Entity {rng.randrange(n_entities)}", predicate=rng.choice(PREDICATES),
                      object=f"Entity {rng.randrange(n_entities)}", evidence=[f"agent/A{i % 8}@{i}"],
                      valid_from=when, exclusive=rng.random() < 0.2) for _ in range(per_event)]
        out.append(NewEvent(f"agent/A{i % 8}", FactsExtracted(agent=f"A{i % 8}", episode=f"e{i}", facts=facts),
                            sim_time=when))
    return out


def bench_rebuild(tmp: Path, n_events: int) -> tuple[list, object]:
    from troupe_es.projections.knowledge import knowledge_graph
    from troupe_es.store import open_store

    store = open_store(f"sqlite:///{tmp / 'facts.db'}")
    batch = fact_events(n_events, 5, max(100, n_events // 2))
    for i in range(0, len(batch), 1000):
        store.append("bench", batch[i:i + 1000])
    knowledge_graph(store, "bench")  # warm the decoder
    t0, c0 = time.perf_counter(), time.process_time()
    graph = knowledge_graph(store, "bench")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    store.close()
    rows = [("rebuild from SQLite (read + fold)", f"{n_events / seconds:,.0f} ev/s",
             f"{n_events:,} events, {graph.facts:,} facts, {len(graph.edges):,} edges in {seconds:.2f} s wall "
             f"(target >= 5,000 ev/s)"),
            ("  per CPU second of this process", f"{n_events / cpu:,.0f} ev/s", "what a machine not shared would see")]
    return rows, graph


def bench_neighbours(edges: int, queries: int) -> list:
    from troupe_es.domain.knowledge import fold_graph
    from troupe_es.events import Recorded
    from troupe_es.projections.knowledge import to_networkx

    events = fact_events(edges // 5, 5, edges // 10, seed=2)
    records = [Recorded(i + 1, "bench", ev.stream, i + 1, f"id{i}", None, ev.sim_time, ev.sim_time, "", "", ev.event)
               for i, ev in enumerate(events)]
    c0 = time.process_time()
    graph = fold_graph(records)
    fold_s = time.process_time() - c0
    rng = random.Random(3)
    keys = list(graph.nodes)
    picks = [rng.choice(keys) for _ in range(queries)]
    laps = []
    for key in picks:
        t = time.process_time()
        graph.neighbours(key)
        laps.append((time.process_time() - t) * 1000)
    p95 = statistics.quantiles(laps, n=20)[-1]
    c0 = time.process_time()
    g = to_networkx(graph, when=None)
    nx_s = time.process_time() - c0
    nx_laps = []
    for key in picks:
        t = time.process_time()
        list(g.out_edges(key, data=True)) + list(g.in_edges(key, data=True))
        nx_laps.append((time.process_time() - t) * 1000)
    return [("fold only (in memory, CPU time)", f"{len(records) / fold_s:,.0f} ev/s", f"{len(graph.edges):,} edges"),
            ("neighbourhood query p95 (fold index)", f"{p95:.3f} ms",
             f"{len(graph.edges):,} edges, {len(keys):,} entities, {queries} queries (target <= 5 ms)"),
            ("networkx view of open edges", f"{nx_s:.2f} s", f"{g.number_of_edges():,} edges"),
            ("neighbourhood query p95 (networkx)", f"{statistics.quantiles(nx_laps, n=20)[-1]:.3f} ms", "")]


def bench_extraction(tmp: Path) -> list:
    from bench_sim import run_in_process
    from troupe_es.projections.knowledge import extraction_stats

    store, outcome, _ = run_in_process(f"sqlite:///{tmp / 'run.db'}", ROOT / "examples" / "knowledge_panel.yaml")
    run_id = store.run_summaries()[0].run_id
    stats = extraction_stats(store.read(run_id=run_id, types=["LLMCallRequested", "FactsExtracted"]))
    turns = sum(1 for r in store.read(run_id=run_id, types=["LLMCallRequested"]) if r.event.purpose == "turn")
    store.close()
    ratio = stats["extraction_calls"] / max(1, stats["episodes"])
    return [("extraction calls per episode", f"{ratio:.2f}",
             f"{stats['extraction_calls']} calls, {stats['episodes']} episodes, {stats['facts_extracted']} facts, "
             f"{turns} turn calls (target <= 1)")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows, _ = bench_rebuild(Path(tmp), 2_000 if args.quick else 20_000)
        rows += bench_neighbours(10_000 if args.quick else 100_000, 200 if args.quick else 2_000)
        rows += bench_extraction(Path(tmp))
    print_rows(rows, value_width=16)
    print(machine_note())


if __name__ == "__main__":
    main()
