"""The world's benchmarks in one go (issue 12): scheduler, spatial world, market and retail store.

Runs each of ``bench_schedule.py``, ``bench_space.py``, ``bench_market.py`` and
``bench_retail.py`` in its own process (so one's imports and caches do not flatter another's
figures) and prints their figures one after the other. Each script can also be run on its own,
with its own options (``--help``).

    .venv/bin/python benchmarks/bench_world.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PARTS = ("bench_schedule.py", "bench_space.py", "bench_market.py", "bench_retail.py")


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = 0
    for name in PARTS:
        script = here / name
        print(f"== {name}", flush=True)
        if not script.exists():
            print(f"   (missing: {script})")
            failed += 1
            continue
        failed += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
