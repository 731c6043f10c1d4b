"""Reliability under concurrency, crashes and tampering (both SQL backends unless noted)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from troupe_es.errors import ConcurrencyError, CorruptEventError
from troupe_es.events import ActionTaken, NewEvent
from troupe_es.store import open_store
from troupe_es.verification import verify

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def _spawn(function: str, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.workers", function, json.dumps(list(args))],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_eight_threads_race_for_each_version(sql_url):
    rounds, threads = 500, 8
    stores = [open_store(sql_url) for _ in range(threads)]
    wins: list[int] = []
    losses = Counter()
    lock = threading.Lock()

    def contender(index: int) -> None:
        for version in range(rounds):
            barrier.wait()
            try:
                stores[index].append("race", [NewEvent("s", ActionTaken(agent="t", action="TALK",
                                                                        content=f"{index}:{version}"))],
                                     expected_version=version)
                with lock:
                    wins.append(version)
            except ConcurrencyError:
                with lock:
                    losses[version] += 1

    barrier = threading.Barrier(threads)
    workers = [threading.Thread(target=contender, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for s in stores:
        s.close()
    assert sorted(wins) == list(range(rounds))
    assert all(losses[v] == threads - 1 for v in range(rounds))
    with open_store(sql_url) as store:
        assert [r.stream_version for r in store.read(run_id="race")] == list(range(1, rounds + 1))
        assert verify(store).ok


def test_postgres_tailing_reader_sees_every_event_once_in_order(pg_url, tmp_path):
    writers, per_writer = 4, 2000
    open_store(pg_url).close()
    out = tmp_path / "seen.json"
    reader = _spawn("tail", pg_url, writers * per_writer, str(out), 120.0)
    procs = [_spawn("write_batches", pg_url, w, per_writer, 7, w) for w in range(writers)]
    for p in procs:
        assert p.wait(timeout=180) == 0
    assert reader.wait(timeout=180) == 0
    seen = json.loads(out.read_text())
    assert seen == list(range(1, writers * per_writer + 1))


def test_sigkill_mid_batch_never_leaves_a_partial_batch(sqlite_url, tmp_path):
    open_store(sqlite_url).close()
    ack = tmp_path / "ack.txt"
    batch = 400
    for round_ in range(20):
        proc = _spawn("acknowledge_forever", sqlite_url, str(ack), batch)
        time.sleep(0.35 + (round_ % 5) * 0.03)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    acknowledged = [ln for ln in ack.read_text().splitlines() if ln]
    with open_store(sqlite_url) as store:
        counts = Counter(r.event.content for r in store.read(run_id="crash"))
        assert all(n == batch for n in counts.values()), "a partial batch is visible"
        assert set(acknowledged) <= set(counts)
        assert len(counts) >= len(acknowledged) and len(acknowledged) > 0
        assert verify(store).ok
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_corrupt_payload_is_reported_by_read_and_verify_and_nothing_else_changes(sql_url):
    with open_store(sql_url) as store:
        store.append("r1", [NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content=f"m{i}"))
                            for i in range(5)])
        before = [(r.position, r.payload, r.chain_hash) for r in store.iter_rows()]
    engine = create_engine(sql_url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO troupe_events (position, run_id, stream, stream_version, event_id, type, schema_version, "
            "recorded_at, content_hash, chain_hash, payload) VALUES (6, 'r1', 'agent/a', 6, 'bad', 'ActionTaken', "
            "1, '2026-01-01T00:00:00+00:00', 'x', 'y', '{\"agent\": [1, 2]}')"))
    engine.dispose()
    with open_store(sql_url) as store:
        with pytest.raises(CorruptEventError) as err:
            list(store.read())
        assert err.value.position == 6 and err.value.type == "ActionTaken"
        report = verify(store)
        assert not report.ok and report.first_bad_position == 6
        after = [(r.position, r.payload, r.chain_hash) for r in store.iter_rows() if r.position <= 5]
        assert after == before


def test_payload_changed_behind_the_stores_back_fails_verification(sql_url):
    from tests.cli.helpers import troupe

    with open_store(sql_url) as store:
        store.append("r1", [NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content=f"m{i}"))
                            for i in range(6)])
    engine = create_engine(sql_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER troupe_events_no_change ON troupe_events"))
        else:
            conn.execute(text("DROP TRIGGER troupe_events_no_update"))
        conn.execute(text("UPDATE troupe_events SET payload = replace(payload, 'm3', 'mX') WHERE position = 4"))
    engine.dispose()
    res = troupe("verify", store=sql_url)
    assert res.code == 3 and "position 4" in res.err
