"""Child-process bodies for the reliability tests (importable under the spawn start method)."""

from __future__ import annotations

import json
import os
import random
import sys
import time

from troupe_es.events import ActionTaken, NewEvent
from troupe_es.store import open_store


def write_batches(url: str, writer: int, total: int, batch: int, seed: int) -> None:
    """Append ``total`` events in batches, sleeping a little at random between commits."""
    rng = random.Random(seed)
    with open_store(url) as store:
        written = 0
        while written < total:
            n = min(batch, total - written)
            store.append(f"run-w{writer}", [NewEvent(f"agent/w{writer}", ActionTaken(
                agent=f"w{writer}", action="TALK", content=f"{writer}:{written + i}")) for i in range(n)])
            written += n
            time.sleep(rng.random() * 0.004)


def tail(url: str, expected: int, out_path: str, deadline_s: float) -> None:
    """Tail the log by position until ``expected`` events were seen; write the positions seen."""
    seen: list[int] = []
    last = 0
    end = time.monotonic() + deadline_s
    with open_store(url) as store:
        while len(seen) < expected and time.monotonic() < end:
            got = False
            for row in store.iter_rows(from_position=last + 1, batch_size=500):
                seen.append(row.position)
                last = row.position
                got = True
            if not got:
                time.sleep(0.002)
    with open(out_path, "w") as fh:
        json.dump(seen, fh)


def acknowledge_forever(url: str, ack_path: str, batch: int) -> None:
    """Append batches tagged with a batch id forever; after each append returns, record the id."""
    with open_store(url) as store, open(ack_path, "a") as ack:
        n = 0
        while True:
            tag = f"{os.getpid()}-{n}"
            store.append("crash", [NewEvent("agent/k", ActionTaken(agent="k", action="TALK", content=tag, index=i))
                                   for i in range(batch)])
            ack.write(tag + "\n")
            ack.flush()
            os.fsync(ack.fileno())
            n += 1


if __name__ == "__main__":
    globals()[sys.argv[1]](*json.loads(sys.argv[2]))
