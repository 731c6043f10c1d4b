"""Memory figures (issue 10), printed as a table.

    .venv/bin/python benchmarks/bench_memory.py [--quick]

1. Hybrid top-10 retrieval of one turn (the memory capability's prepare: score, rank, render)
   at 10k and 100k memories per agent, embeddings cached: p95 (targets 10 ms and 50 ms).
2. The offline embedder (wordllama): sentences/s batched and p95 of one sentence (targets
   >= 10k/s and <= 1 ms).
3. Whole action prompt of a 2-agent run with memory (the example Lisa and Oscar, TinyTroupe's
   personas): at step 1,000 vs step 50 (target <= 1.2x and <= 2,000 tokens at 4 characters a
   token; TinyTroupe sends about 28k characters per action call with Lisa).
4. Rebuild of the lancedb memory projection from 100k stored memories (target <= 10 s).
5. Framework overhead per agent-step (mock LLM, 0 ms) with memory on and off (target <= 2x), the
   embedder already loaded (loading it, about 0.7 s, is start-up).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_sim import PERSONAS, run_in_process  # noqa: E402
from report import print_rows  # noqa: E402

WORDS = ("price budget launch coffee meeting safe code office design cereal oats honey organic team "
         "deadline friday report customer taste packaging health sugar morning train lunch plan").split()
NAMES = ["Ana", "Ben", "Cleo", "Dev", "Lisa", "Oscar", "Mei"]


def sentence(rng: random.Random, i: int) -> str:
    return (f"heard from {rng.choice(NAMES)}: the {rng.choice(WORDS)} and the {rng.choice(WORDS)} "
            f"matter because of {rng.choice(WORDS)} number {i}")


def p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[max(0, int(len(samples) * 0.95) - 1)]


def retrieval(n: int, turns: int) -> float:
    """p95 ms of the memory capability's prepare over ``n`` memories (vectors cached)."""
    from troupe_es.bootstrap import services
    from troupe_es.commands.memory import MEMORY
    from troupe_es.domain import AgentState, RunState, WorldState
    from troupe_es.domain.memory import MemoryBook, StoredMemory

    rng = random.Random(n)
    start = 1_700_000_000
    items = []
    for i in range(n):
        at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(start + (i // 4) * 900))
        items.append(StoredMemory(f"A:m{i}", "episodic", sentence(rng, i), rng.randint(1, 10), at, at))
    agent = AgentState(name="A", persona={}, world="W", book=MemoryBook(items=tuple(items), stored=n))
    clock = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(start + (n // 4 + 1) * 900))
    state = RunState(agents={"A": agent}, worlds={"W": WorldState(name="W", clock=clock, members=("A",))},
                     memory_config={"embedder": "wordllama"})
    svc = services()
    svc["embeddings"].get("wordllama").embed([m.text for m in items])  # warm: vectors are cached per text
    samples = []
    for _ in range(turns):
        t = time.perf_counter()
        prep = MEMORY.prepare(state, "A", svc)
        samples.append((time.perf_counter() - t) * 1000)
        assert len(prep.events[0].memory_ids) > 0
    return p95(samples)


def embedder() -> tuple[float, float]:
    from troupe_es.embeddings import Embeddings

    model = Embeddings().get("wordllama").inner
    rng = random.Random(1)
    texts = [sentence(rng, i) for i in range(20_000)]
    t = time.perf_counter()
    model.embed(texts)
    rate = len(texts) / (time.perf_counter() - t)
    samples = []
    for text in texts[:500]:
        t = time.perf_counter()
        model.embed([text])
        samples.append((time.perf_counter() - t) * 1000)
    return rate, p95(samples)


def memory_scenario(path: Path, steps: int, name: str, memory: bool) -> Path:
    lines = [f"name: {name}", "seed: 1", "world: {name: Room, step: 15m}", "personas:"]
    lines += [f"  - file: {p}" for p in PERSONAS if Path(p).name in ("lisa.agent.json", "oscar.agent.json")]
    if memory:
        lines.append("memory: {embedder: wordllama}")
    lines += ["script:", "  - broadcast: What would make you buy a new breakfast cereal?", f"  - run: {steps}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def prompts(tmp: Path, steps: int) -> tuple[int, int, float]:
    path = memory_scenario(tmp / "long.yaml", steps, "long", True)
    store, outcome, elapsed = run_in_process(f"sqlite:///{tmp}/long.db", path)
    assert outcome.status == "completed", outcome.error
    sizes: dict[int, int] = {}
    for rec in store.read(types=["LLMCallRequested"]):
        if rec.event.purpose == "turn":
            chars = sum(len(m["content"]) for m in rec.event.messages)
            sizes[rec.event.step] = max(sizes.get(rec.event.step, 0), chars)
    store.close()
    return sizes[50], sizes[max(sizes)], elapsed


def overhead(tmp: Path, steps: int, memory: bool) -> float:
    path = memory_scenario(tmp / f"overhead-{memory}.yaml", steps, "overhead", memory)
    store, outcome, elapsed = run_in_process(f"sqlite:///{tmp}/overhead-{memory}.db", path)
    assert outcome.status == "completed", outcome.error
    store.close()
    return elapsed / (2 * steps) * 1000


def rebuild(tmp: Path, n: int) -> float:
    from troupe_es.events import MemoryStored, NewEvent, RunStarted
    from troupe_es.projections.memory import rebuild as rebuild_index
    from troupe_es.store import open_store

    store = open_store(f"sqlite:///{tmp}/rebuild.db")
    store.append("bulk", [NewEvent("run", RunStarted(scenario_name="bulk", seed=0, package_version="bench",
                                                    scenario={"memory": {"embedder": "wordllama"}}))])
    rng = random.Random(2)
    for chunk in range(0, n, 10_000):
        store.append("bulk", [NewEvent("agent/A", MemoryStored(agent="A", memory_id=f"A:m{i}", kind="episodic",
                                                              text=sentence(rng, i), importance=5))
                              for i in range(chunk, min(n, chunk + 10_000))])
    t = time.perf_counter()
    report = rebuild_index(store)
    elapsed = time.perf_counter() - t
    assert report["items"] == n, report
    store.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Smaller runs (figures not comparable).")
    args = parser.parse_args()
    big, steps, mem_n = (20_000, 120, 20_000) if args.quick else (100_000, 1000, 100_000)
    rows: list[tuple[str, str, str]] = []

    class Rows(list):
        def append(self, row: tuple[str, str, str]) -> None:  # show progress on stderr
            print("  ".join(row), file=sys.stderr, flush=True)
            super().append(row)

    rows = Rows()
    rows.append(("retrieval p95, 10k memories", f"{retrieval(10_000, 50):.2f} ms", "target <= 10 ms"))
    rows.append((f"retrieval p95, {big // 1000}k memories", f"{retrieval(big, 20):.2f} ms", "target <= 50 ms (100k)"))
    rate, single = embedder()
    rows.append(("embedder, batched", f"{rate:,.0f}/s", "wordllama, target >= 10k sentences/s"))
    rows.append(("embedder, one sentence p95", f"{single:.3f} ms", "target <= 1 ms"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        at50, at_end, elapsed = prompts(tmp_path, steps)
        rows.append(("prompt at step 50", f"{at50 // 4} tokens", f"{at50} characters"))
        rows.append((f"prompt at step {steps}", f"{at_end // 4} tokens",
                     f"{at_end / at50:.2f}x step 50 (target <= 1.2x, <= 2,000 tokens); run took {elapsed:.0f} s"))
        rows.append((f"rebuild, {mem_n // 1000}k memories", f"{rebuild(tmp_path, mem_n):.1f} s", "target <= 10 s"))
        from troupe_es.bootstrap import services

        services()["embeddings"].get("wordllama").embed(["warm up"])  # loading the model is start-up, not overhead
        off = overhead(tmp_path, 100, False)
        on = overhead(tmp_path, 100, True)
        rows.append(("overhead per agent-step, memory off", f"{off:.2f} ms", "mock LLM, 0 ms, 100 steps x 2 agents"))
        rows.append(("overhead per agent-step, memory on", f"{on:.2f} ms", f"{on / off:.2f}x off (target <= 2x)"))
    print_rows(rows)


if __name__ == "__main__":
    main()
