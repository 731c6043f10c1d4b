"""Concurrent calls never overspend a token or cost budget by more than one call's estimate.

The provider below holds every call until each worker thread has either started a call or been
refused by the budget, so every admission decision of a round is taken while the other calls of
the round are still in flight: the worst case for a budget, made certain instead of likely.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest

from tests.cli.helpers import troupe
from troupe_es.errors import BudgetExceededError
from troupe_es.llm import Budget, CallContext, ChatRequest, LLMGateway, MockProvider, PriceTable
from troupe_es.llm.mock_server import serve_in_thread

WORKERS = 8
ROOT = Path(__file__).resolve().parents[2]


class Rendezvous:
    """Releases the calls in flight once every worker still working is waiting in one."""

    def __init__(self, workers: int) -> None:
        self._cond = threading.Condition()
        self.active = workers
        self.waiting = 0
        self.generation = 0
        self.widest_round = 0

    def wait(self) -> None:
        with self._cond:
            generation = self.generation
            self.waiting += 1
            self._release_if_all_arrived()
            while generation == self.generation:
                self._cond.wait()

    def leave(self) -> None:
        with self._cond:
            self.active -= 1
            self._release_if_all_arrived()

    def _release_if_all_arrived(self) -> None:
        if self.waiting and self.waiting == self.active:
            self.widest_round = max(self.widest_round, self.waiting)
            self.waiting = 0
            self.generation += 1
            self._cond.notify_all()


class HeldMock(MockProvider):
    """The mock LLM, each call held at the rendezvous before it answers."""

    def __init__(self, rendezvous: Rendezvous) -> None:
        super().__init__()
        self.rendezvous = rendezvous

    def complete(self, request, timeout):  # noqa: ANN001, ANN201
        self.rendezvous.wait()
        return super().complete(request, timeout)


def _request(worker: int, n: int) -> ChatRequest:
    return ChatRequest(model="gpt-4o", messages=[
        {"role": "system", "content": "You are Oscar, an architect.\nInterests: bikes"},
        {"role": "user", "content": f"Worker {worker}, question {n}: would you pay more for organic oats?"}])


@pytest.mark.parametrize("limit", ["cost_usd", "tokens"])
def test_eight_concurrent_calls_never_overspend_the_budget(store, limit):
    prices = PriceTable()
    estimate = Budget().estimate(_request(0, 0).messages, None, lambda i, o: prices.cost("gpt-4o", i, o))
    one_call = estimate.cost_usd if limit == "cost_usd" else estimate.tokens
    cap = 2.5 * one_call  # room for two calls' estimates: six of the first eight must be refused
    budget = Budget(cost_usd=cap) if limit == "cost_usd" else Budget(tokens=int(cap))
    rendezvous = Rendezvous(WORKERS)
    gateway = LLMGateway(store, HeldMock(rendezvous), mode="live", budget=budget, prices=prices,
                         max_concurrency=WORKERS)
    refused: list[int] = []

    def work(worker: int) -> None:
        try:
            for n in range(100):
                ctx = CallContext(run_id="budget", seed=1, call_id=f"w{worker}-{n}", agent=f"a{worker}")
                gateway.chat(_request(worker, n), ctx)
        except BudgetExceededError:
            refused.append(worker)
        finally:
            rendezvous.leave()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads) and len(refused) == WORKERS
    completed = [r.event for r in store.read(run_id="budget", types=["LLMCallCompleted"])]
    spent = sum((e.cost_usd if limit == "cost_usd" else e.input_tokens + e.output_tokens) for e in completed)
    assert completed and spent <= cap + one_call
    assert spent == pytest.approx(budget.used_cost_usd if limit == "cost_usd" else budget.used_tokens)
    assert budget.reserved_tokens == 0 and budget.reserved_cost_usd == pytest.approx(0)
    stops = [r.event for r in store.read(run_id="budget", types=["BudgetExceeded"])]
    assert len(stops) == WORKERS and {s.limit for s in stops} == {limit}


def test_parallel_8_run_stops_within_its_cost_budget(tmp_path):
    """The CLI, 8 agents acting in parallel over HTTP, a cost budget of a few calls."""
    url = f"sqlite:///{tmp_path}/budget.db"
    scenario = tmp_path / "eight.yaml"
    names = ["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana"]
    personas = "\n".join(f"  - {{name: {n}, age: {30 + i}, occupation: {{title: Baker}}}}" for i, n in enumerate(names))
    scenario.write_text(f"""name: eight-bakers
seed: 3
llm: {{model: gpt-4o-mini}}
world: {{name: Bakery, start: 2026-03-01T09:00:00, step: 15m}}
personas:
{personas}
script:
  - broadcast: "Should the bakery open on Sundays?"
  - run: 3
""", encoding="utf-8")
    budget = 0.0004
    with serve_in_thread(latency_ms=20) as server:
        res = troupe("run", str(scenario), "-q", "--llm", "openai", "--base-url", server.base_url,
                     "--parallel", "8", "--budget-cost", str(budget), store=url,
                     env={"AZURE_OPENAI_ENDPOINT": "", "OPENAI_API_KEY": ""})
        sent = httpx.get(server.base_url.removesuffix("/v1") + "/stats").json()["chat"]
    assert res.code == 0, res.err
    run_id = res.out.strip().splitlines()[-1]
    calls = json.loads(troupe("audit", run_id, "--format", "json", store=url).out)["calls"]
    paid = [c for c in calls if c["cache_status"] == "miss"]
    assert len(paid) == sent and 0 < sent < 24  # stopped before all 8 agents x 3 steps were paid
    largest = max(c["cost_usd"] for c in paid)
    row = {r["run_id"]: r for r in json.loads(troupe("runs", "--json", store=url).out)}[run_id]
    assert row["cost_usd"] <= budget + largest
    types = [json.loads(ln)["type"] for ln in troupe("log", run_id, "--json", store=url).out.splitlines()]
    assert "BudgetExceeded" in types
    assert troupe("replay", run_id, "--verify", store=url).code == 0
