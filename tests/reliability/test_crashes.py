"""A writer killed with SIGKILL in the middle of a batch, 20 times (both SQL backends)."""

from __future__ import annotations

import multiprocessing as mp
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.reliability import workers
from troupe_es.store import open_store
from troupe_es.verification import verify

pytestmark = pytest.mark.slow
KILLS, BATCH = 20, 1500


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def _journal(path: Path) -> list[tuple[str, str]]:
    return [tuple(line.split(" ", 1)) for line in path.read_text().splitlines() if line.count(" ") == 1]


def test_sigkill_mid_batch_never_leaves_a_partial_batch(sql_url, tmp_path):
    open_store(sql_url).close()
    journal = tmp_path / "journal.txt"
    journal.touch()
    ctx = mp.get_context("forkserver")  # children fork from a clean, pre-imported server: cheap
    ctx.set_forkserver_preload(["tests.reliability.workers"])
    rng = random.Random(20)
    mid_batch = 0
    for _ in range(KILLS):
        acked_before = sum(1 for kind, _ in _journal(journal) if kind == "A")
        child = ctx.Process(target=workers.append_until_killed, args=(sql_url, str(journal), BATCH))
        child.start()
        deadline = time.monotonic() + 60
        while sum(1 for kind, _ in _journal(journal) if kind == "A") == acked_before:  # warmed up
            assert child.is_alive() and time.monotonic() < deadline, "the writer never got a batch in"
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.04))
        child.kill()
        child.join()
        assert child.exitcode == -9
        lines = _journal(journal)
        mid_batch += lines[-1][0] == "B"  # killed after starting a batch, before its acknowledgement
    lines = _journal(journal)
    begun = {tag for kind, tag in lines if kind == "B"}
    acknowledged = {tag for kind, tag in lines if kind == "A"}
    with open_store(sql_url) as store:
        per_batch = Counter(r.event_id.split(":")[0] for r in store.iter_rows(run_id="crash"))
        assert {tag: n for tag, n in per_batch.items() if n != BATCH} == {}, "a partial batch is visible"
        assert acknowledged <= set(per_batch), "an acknowledged batch is missing"
        assert set(per_batch) <= begun
        assert verify(store).ok
        store.append("crash", [])  # the log is still writable: no lock was left behind
    assert mid_batch >= KILLS // 4, f"only {mid_batch} of {KILLS} kills landed inside a batch"
    if sql_url.startswith("sqlite"):
        with sqlite3.connect(sql_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
