"""Concurrent appenders and tailing readers (both SQL backends unless noted)."""

from __future__ import annotations

import multiprocessing as mp
import threading
from collections import Counter

import pytest

from tests.reliability import workers
from troupe_es.errors import ConcurrencyError
from troupe_es.events import ActionTaken, NewEvent, RunCompleted
from troupe_es.store import open_store
from troupe_es.verification import verify

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def test_eight_threads_race_for_each_version(sql_url):
    rounds, threads = 500, 8
    stores = [open_store(sql_url) for _ in range(threads)]
    winners: dict[int, list[int]] = {v: [] for v in range(rounds)}
    losses: Counter = Counter()
    unexpected: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def contender(index: int) -> None:
        for version in range(rounds):
            barrier.wait()
            try:
                stores[index].append("race", [NewEvent("s", ActionTaken(
                    agent="t", action="TALK", content=f"{index}:{version}"))], expected_version=version)
                with lock:
                    winners[version].append(index)
            except ConcurrencyError:
                with lock:
                    losses[version] += 1
            except BaseException as exc:  # noqa: BLE001 - reported below
                unexpected.append(exc)
                barrier.abort()
                return

    pool = [threading.Thread(target=contender, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    for s in stores:
        s.close()
    assert unexpected == []
    assert [len(winners[v]) for v in range(rounds)] == [1] * rounds, "exactly one winner per round"
    assert [losses[v] for v in range(rounds)] == [threads - 1] * rounds, "every loser got ConcurrencyError"
    with open_store(sql_url) as store:
        stored = list(store.read(run_id="race"))
        assert [r.stream_version for r in stored] == list(range(1, rounds + 1))
        assert [r.event.content for r in stored] == [f"{winners[v][0]}:{v}" for v in range(rounds)]
        assert verify(store).ok


def test_postgres_tailing_reader_sees_every_event_once_in_order(pg_url):
    writers, per_writer = 4, 2000
    open_store(pg_url).close()
    ctx = mp.get_context("spawn")
    done = ctx.Queue()
    reader = ctx.Process(target=workers.tail, args=(pg_url, writers * per_writer, 150.0, done))
    procs = [ctx.Process(target=workers.write_batches, args=(pg_url, w, per_writer, 7, w, done))
             for w in range(writers)]
    reader.start()
    for p in procs:
        p.start()
    results = [done.get(timeout=180) for _ in range(writers + 1)]
    for p in [reader, *procs]:
        p.join(timeout=30)
        assert p.exitcode == 0
    seen = next(r[2] for r in results if r[0] == "reader")
    written = sorted(pos for kind, _, positions in results if kind == "writer" for pos in positions)
    assert written == list(range(1, writers * per_writer + 1))
    assert seen == written, "the tailing reader skipped, repeated or reordered an event"
    with open_store(pg_url) as store:  # four processes, one head per run and one store head: all agree
        report = verify(store)
        assert report.ok and report.events == writers * per_writer
        assert sorted(h.events for h in store.run_heads()) == [per_writer] * writers


def test_verify_while_an_appender_writes_reports_no_false_problem(sql_url):
    done = threading.Event()
    verified = threading.Semaphore(0)  # released by every verification: the writer waits on it now
    failures: list[BaseException] = []  # and then, so verifications surely overlap its appends

    def write() -> None:
        try:
            with open_store(sql_url) as store:
                for i in range(300):  # runs interleaved, new runs starting, one sealed on the way
                    if i % 60 == 30:
                        verified.acquire(timeout=60)
                    run = f"run-{i % 3}-{i // 100}"
                    store.append(run, [NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content=f"{i}:{j}"))
                                       for j in range(5)])
                    if i == 198:  # the last batch of run-0-1
                        store.append("run-0-1", [NewEvent("run", RunCompleted(steps=1))])
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    reports = []
    with open_store(sql_url) as store:
        while not done.is_set() or not reports:
            reports.append(verify(store))
            verified.release()
        reports.append(verify(store))
    writer.join()
    assert failures == [] and len(reports) >= 3
    assert [r.problems for r in reports if not r.ok] == []
    assert reports[-1].events == 1501
