"""LLM gateway overhead, concurrency and the cost of provider errors, printed as a table.

    .venv/bin/python benchmarks/bench_llm.py [--quick]

1. Gateway overhead per call over a zero-latency in-process mock, recording included (SQLite).
2. 64 bare gateway calls through the real openai client to the mock server at 200 ms latency,
   concurrency 8 (ideal: 64 / 8 x 200 ms = 1.6 s; target <= 1.3x).
3. The same with 30% injected 429/500 answers. The 429s carry the mock server's own
   `Retry-After` (whatever `troupe-es mock-llm serve` sends by default; printed), 500s none.
4. The cost of 30% errors in a full simulation: `troupe-es run` of the 8-agent x 3-step example
   (examples/meal_kit_panel.yaml) as a child process over HTTP against `troupe-es mock-llm serve
   --latency-ms 200 [--error-rate 0.3]` (a separate process), --parallel 1 and 8, whole process
   and run phase (wall).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from procs import PANEL, mock_server, troupe  # noqa: E402
from pydantic import BaseModel  # noqa: E402
from report import machine_note, print_rows  # noqa: E402

from troupe_es.projections.llm_cache import cache_for_store  # noqa: E402
from troupe_es.llm import CallContext, ChatRequest, LLMGateway, MockProvider, RetryPolicy  # noqa: E402
from troupe_es.llm.mock_server import serve_in_thread  # noqa: E402
from troupe_es.llm.openai_provider import OpenAIProvider  # noqa: E402
from troupe_es.store import open_store  # noqa: E402


class Answer(BaseModel):
    choice: str
    reason: str


def request(i: int) -> ChatRequest:
    return ChatRequest(model="gpt-4o-mini", messages=[
        {"role": "system", "content": "You are Lisa, a dietitian who loves oats."},
        {"role": "user", "content": f"Question {i}: would you buy cereal number {i}?"}])


def overhead(n: int, projection: bool = True) -> tuple[float, float]:
    """(gateway µs per call incl. recording, bare provider µs per call); the cache is the
    projection of ``projections.llm_cache`` or, with ``projection=False``, the kernel's fallback."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/llm.db")
        provider = MockProvider()
        t = time.perf_counter()
        for i in range(n):
            provider.complete(request(i), 60)
        bare = (time.perf_counter() - t) / n
        gateway = LLMGateway(store, MockProvider(), mode="cache",
                             cache=cache_for_store(store) if projection else None)
        t = time.perf_counter()
        for i in range(n):
            gateway.chat(request(n + i), CallContext(run_id="bench", seed=1, call_id=f"c{i}"), output_model=Answer)
        total = (time.perf_counter() - t) / n
        store.close()
    return total * 1e6, bare * 1e6


def retry_headers() -> str:
    """The retry headers the mock server sends with an injected 429, at its defaults."""
    import json
    import urllib.error
    import urllib.request

    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()
    with serve_in_thread(error_rate=1.0, error_kinds=("429",)) as server:
        request = urllib.request.Request(f"{server.base_url}/chat/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except urllib.error.HTTPError as exc:
            found = {k: v for k, v in exc.headers.items() if k.lower() in ("retry-after", "retry-after-ms")}
            return ", ".join(f"{k}: {v}" for k, v in found.items()) or "no retry header"
    return "no 429 was injected"


def batch(error_rate: float, calls: int = 64, concurrency: int = 8) -> float:
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(latency_ms=200, error_rate=error_rate) as server:
        store = open_store(f"sqlite:///{tmp}/llm.db")
        provider = OpenAIProvider(base_url=server.base_url, api_key="sk-bench")
        gateway = LLMGateway(store, provider, mode="live", max_concurrency=concurrency,
                             retry=RetryPolicy(max_attempts=10))
        t = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda i: gateway.chat(request(i), CallContext(run_id="b", seed=1, call_id=f"c{i}"),
                                                 output_model=Answer), range(calls)))
        elapsed = time.perf_counter() - t
        gateway.close()
        store.close()
    return elapsed


def simulation(error_rate: float, parallel: int) -> tuple[float, float]:
    """(whole-process wall s, run-phase wall s) of the 8x3 example over HTTP at 200 ms a call."""
    with tempfile.TemporaryDirectory() as tmp, mock_server(latency_ms=200, error_rate=error_rate) as url:
        done = troupe("--store", f"sqlite:///{tmp}/sim.db", "run", str(PANEL), "--llm", "openai",
                      "--base-url", url, "--no-cache", "--parallel", str(parallel), "--json")
    summary = done.json()
    assert summary["status"] == "completed", summary
    return done.wall, summary["wall_seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    per_call, bare = overhead(300 if args.quick else 2000)
    fallback, _ = overhead(300 if args.quick else 2000, projection=False)
    clean = batch(0.0)
    faulty = batch(0.3)
    headers = retry_headers()
    ideal = 64 / 8 * 0.2
    rows = [
        ("gateway per call (zero-latency mock, recording to SQLite)", f"{per_call / 1000:.3f} ms", "target <= 1 ms"),
        ("  of which the mock provider itself", f"{bare / 1000:.3f} ms", ""),
        ("  gateway + recording overhead", f"{(per_call - bare) / 1000:.3f} ms", ""),
        ("same with the kernel's fallback cache (no projection)", f"{fallback / 1000:.3f} ms", "target <= 1 ms"),
        ("64 bare calls, 200 ms latency, concurrency 8", f"{clean:.2f} s",
         f"ideal {ideal:.1f} s; x{clean / ideal:.2f} (target <= 1.3)"),
        ("same with 30% injected 429/500", f"{faulty:.2f} s", f"x{faulty / clean:.2f} of fault-free; "
                                                              f"429s carry {headers}"),
        ("8 agents x 3 steps over HTTP @ 200 ms, whole process / run phase (wall):", "", ""),
    ]
    for parallel in (1, 8):
        whole0, phase0 = simulation(0.0, parallel)
        whole3, phase3 = simulation(0.3, parallel)
        rows += [(f"  --parallel {parallel}, no errors", f"{whole0:.2f} / {phase0:.2f} s", ""),
                 (f"  --parallel {parallel}, 30% errors", f"{whole3:.2f} / {phase3:.2f} s",
                  f"x{whole3 / whole0:.2f} whole process, x{phase3 / phase0:.2f} run phase")]
    print(machine_note())
    print_rows(rows, value_width=16)


if __name__ == "__main__":
    main()
