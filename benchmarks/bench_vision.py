"""Vision: the blob table, image checks, the mock's eyes, and a run that shows an image.

    .venv/bin/python benchmarks/bench_vision.py [--megabytes 2] [--rounds 20]

Measures, on SQLite in a temporary folder: ``put_blob`` of a new image and of one already
stored (idempotent: a read, no write), ``get_blob`` (which re-hashes the bytes), ``read_image``
(the size, format and full-decode check a scenario load does), the mock LLM's description, and
``troupe-es run examples/vision-packaging.yaml`` live on the mock, its cached rerun and its
``replay --verify``. Figures only: no threshold is asserted.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import machine_note, print_rows  # noqa: E402
from troupe_es.images import read_image  # noqa: E402
from troupe_es.llm.mock_vision import describe_image  # noqa: E402
from troupe_es.store import open_store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def noisy_png(megabytes: float) -> bytes:
    """A PNG of about ``megabytes`` (random pixels do not compress)."""
    from PIL import Image

    side = int((megabytes * 1024 * 1024 / 3) ** 0.5)
    img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    img.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def timed(work, rounds: int) -> float:
    """Median seconds of ``work()`` over ``rounds``."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def troupe_seconds(url: str, *argv: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "troupe_es", "--store", url, *argv], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, proc.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    small = (ROOT / "examples" / "product-brief" / "packaging.png").read_bytes()
    large = noisy_png(args.megabytes)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        with open_store(url) as store:
            for label, data in (("packaging.png", small), (f"{len(large) / 2**20:.1f} MB PNG", large)):
                fresh = iter([data + bytes([i % 256]) + i.to_bytes(4, "big") for i in range(args.rounds)])
                rows.append((f"put_blob, new ({label})", f"{timed(lambda: store.put_blob(next(fresh), 'image/png'), args.rounds) * 1e3:.2f} ms", ""))
                name = store.put_blob(data, "image/png")
                rows.append((f"put_blob, stored already ({label})", f"{timed(lambda: store.put_blob(data, 'image/png'), args.rounds) * 1e3:.2f} ms", "a read, no write"))
                rows.append((f"get_blob ({label})", f"{timed(lambda: store.get_blob(name), args.rounds) * 1e3:.2f} ms", "bytes re-hashed"))
                rows.append((f"read_image ({label})", f"{timed(lambda: read_image(data), args.rounds) * 1e3:.2f} ms", "format check + full decode"))
                rows.append((f"mock description ({label})", f"{timed(lambda: describe_image(data), args.rounds) * 1e3:.2f} ms", ""))
        scenario = str(ROOT / "examples" / "vision-packaging.yaml")
        live, run_id = troupe_seconds(url, "run", scenario, "-q", "--no-cache")
        cached, _ = troupe_seconds(url, "run", scenario, "-q")
        replay, _ = troupe_seconds(url, "replay", run_id, "--verify")
        rows += [("run vision-packaging (mock, live)", f"{live:.2f} s", "whole process"),
                 ("same, cached rerun", f"{cached:.2f} s", "zero provider calls"),
                 ("replay --verify", f"{replay:.2f} s", "no image read, no call")]
    print_rows(rows)
    print(machine_note())


if __name__ == "__main__":
    main()
