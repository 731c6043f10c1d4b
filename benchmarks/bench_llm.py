"""LLM gateway overhead and concurrency, printed as a table (issue 3's figures).

    .venv/bin/python benchmarks/bench_llm.py [--quick]

1. Gateway overhead per call over a zero-latency in-process mock, recording included (SQLite).
2. 64 calls through the real openai client to the mock server at 200 ms latency, concurrency 8
   (ideal: 64 / 8 x 200 ms = 1.6 s; target <= 1.3x).
3. The same with 30% injected 429/500 answers (Retry-After: 0) (target <= 2x the fault-free time).
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

from pydantic import BaseModel  # noqa: E402
from report import print_rows  # noqa: E402

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


def batch(error_rate: float, calls: int = 64, concurrency: int = 8) -> float:
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(latency_ms=200, error_rate=error_rate,
                                                                 retry_after=0) as server:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    per_call, bare = overhead(300 if args.quick else 2000)
    fallback, _ = overhead(300 if args.quick else 2000, projection=False)
    clean = batch(0.0)
    faulty = batch(0.3)
    ideal = 64 / 8 * 0.2
    rows = [
        ("gateway per call (zero-latency mock, recording to SQLite)", f"{per_call / 1000:.3f} ms", "target <= 1 ms"),
        ("  of which the mock provider itself", f"{bare / 1000:.3f} ms", ""),
        ("  gateway + recording overhead", f"{(per_call - bare) / 1000:.3f} ms", ""),
        ("same with the kernel's fallback cache (no projection)", f"{fallback / 1000:.3f} ms", "target <= 1 ms"),
        ("64 calls, 200 ms latency, concurrency 8", f"{clean:.2f} s",
         f"ideal {ideal:.1f} s; x{clean / ideal:.2f} (target <= 1.3)"),
        ("same with 30% injected 429/500 (Retry-After: 0)", f"{faulty:.2f} s",
         f"x{faulty / clean:.2f} of fault-free (target <= 2)"),
    ]
    print_rows(rows)


if __name__ == "__main__":
    main()
