"""Child-process bodies for the reliability tests (importable by spawned and forked children)."""

from __future__ import annotations

import os
import random
import time

from troupe_es.events import ActionTaken, NewEvent
from troupe_es.store import open_store


def write_batches(url: str, writer: int, total: int, batch: int, seed: int, done) -> None:  # noqa: ANN001
    """Append ``total`` events in small batches, sleeping a little at random between commits;
    put the positions acknowledged by ``append`` on the ``done`` queue."""
    rng = random.Random(seed)
    positions: list[int] = []
    with open_store(url) as store:
        written = 0
        while written < total:
            n = min(batch, total - written)
            records = store.append(f"run-w{writer}", [NewEvent(f"agent/w{writer}", ActionTaken(
                agent=f"w{writer}", action="TALK", content=f"{writer}:{written + i}")) for i in range(n)])
            positions.extend(r.position for r in records)
            written += n
            time.sleep(rng.random() * 0.004)
    done.put(("writer", writer, positions))


def tail(url: str, expected: int, deadline_s: float, done) -> None:  # noqa: ANN001
    """Tail the log by position (``iter_rows(from_position=last + 1)`` in a loop) until
    ``expected`` events were seen or the deadline passed; put every position seen on ``done``."""
    seen: list[int] = []
    last = 0
    end = time.monotonic() + deadline_s
    with open_store(url) as store:
        while len(seen) < expected and time.monotonic() < end:
            before = len(seen)
            for row in store.iter_rows(from_position=last + 1, batch_size=500):
                seen.append(row.position)
                last = row.position
            if len(seen) == before:
                time.sleep(0.002)
    done.put(("reader", 0, seen))


def append_until_killed(url: str, journal_path: str, batch: int) -> None:
    """Append batches forever. Each batch's events carry ids ``<tag>:<i>``; the journal gets
    ``B <tag>`` before ``append`` is called and ``A <tag>`` once it has returned (acknowledged).
    Lines are written unbuffered, so a SIGKILL loses none that were written."""
    events = [ActionTaken(agent="k", action="TALK", content="crash test " * 8, index=i) for i in range(batch)]
    with open_store(url) as store, open(journal_path, "a", buffering=1) as journal:
        n = 0
        while True:
            tag = f"{os.getpid()}-{n}"
            news = [NewEvent("agent/k", e, event_id=f"{tag}:{i}") for i, e in enumerate(events)]
            journal.write(f"B {tag}\n")
            store.append("crash", news)
            journal.write(f"A {tag}\n")
            n += 1
