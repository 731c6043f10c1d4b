"""Races on first use: many processes (or connections) opening a store that does not exist yet.

Every one of them creates the tables and the LLM cache index and writes checkpoints and
snapshots; none may fail ("database is locked" on SQLite, ``UniqueViolation`` on PostgreSQL).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from troupe_es.events import ActionTaken, LLMCallCompleted, NewEvent
from troupe_es.projections.llm_cache import cache_for_store
from troupe_es.store import Snapshot, open_store
from troupe_es.verification import verify

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request, tmp_path):
    """A factory of URLs of new, empty stores of one SQL backend."""
    if request.param == "postgres":
        return request.getfixturevalue("new_pg_url")
    counter = iter(range(1000))
    return lambda: f"sqlite:///{tmp_path}/fresh-{next(counter)}.db"


def test_eight_connections_open_a_new_store_and_write_the_same_keys_at_once(fresh_url):
    rounds, threads = 15, 8
    for _ in range(rounds):
        url = fresh_url()
        errors: list[BaseException] = []
        barrier = threading.Barrier(threads)

        def first_use(i: int) -> None:
            try:
                barrier.wait()
                with open_store(url) as store:
                    store.append(f"run-{i}", [NewEvent("agent/a", ActionTaken(agent="a", action="TALK",
                                                                              content="hi"))])
                    cache_for_store(store)  # creates the cache index, writes its checkpoint
                    store.append(f"run-{i}", [NewEvent("llm", _completion(f"key-{i}"))])
                    cache_for_store(store)  # catches up while others rebuild
                    store.save_checkpoint("runs", i)  # the same keys from every connection
                    store.save_snapshot(Snapshot("shared", "run_state", 1, {"from": i}))
                    cache_for_store(store, catch_up=False).rebuild()
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        pool = [threading.Thread(target=first_use, args=(i,)) for i in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        assert [repr(e) for e in errors] == []
        with open_store(url, readonly=True) as store:
            assert len(store.run_summaries()) == threads and verify(store).ok
            assert store.load_checkpoint("runs") in range(threads)
            assert store.load_snapshot("shared", "run_state").state["from"] in range(threads)
            # The cache index holds every completion up to its checkpoint.
            checkpoint = store.load_checkpoint("llm_cache")
            with store.engine.connect() as conn:
                indexed = {r[0] for r in conn.exec_driver_sql("SELECT request_key FROM troupe_proj_llm_cache")}
            completed = {json.loads(r.payload)["request_key"]
                         for r in store.iter_rows(types=["LLMCallCompleted"], until_position=checkpoint)}
            assert checkpoint > 0 and completed <= indexed


def _completion(key: str) -> LLMCallCompleted:
    return LLMCallCompleted(call_id=key, request_key=key, provider="mock", model="m", response_text="{}",
                            input_tokens=1, output_tokens=1, cost_usd=0.0, latency_ms=1.0)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_runs_and_rebuilds_on_a_new_store_never_fail(backend, request):
    """The first-use benchmark itself, for two rounds: 6 `troupe-es run` at once on a new store,
    then 4 `troupe-es projections rebuild` at once, with 0 failures."""
    pg = request.getfixturevalue("pg_base_url") if backend == "postgresql" else ""
    proc = subprocess.run([sys.executable, "benchmarks/bench_first_use.py", "--rounds", "2", "--json",
                           "--backends", backend, *(["--pg", pg] if pg else [])],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert [(r["backend"], r["runs"], r["rebuilds"], r["store"]) for r in report["rounds"]] == \
        [(backend, [], [], [])] * 2
    assert report["failures"] == 0
