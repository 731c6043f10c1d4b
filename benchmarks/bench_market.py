"""Order-book matching throughput (target: at least 100k orders/s).

    .venv/bin/python benchmarks/bench_market.py [--orders 200000] [--goods 5] [--seed 1]

Figures are CPU time of this process (time.process_time), so a machine busy with other jobs
slows them less than wall time; the engine's wall-time figure is printed too. Three
measurements on the same random order stream (limit orders around a drifting price, 10% market
orders, 5% cancellations, 50 traders, several goods):

* the engine alone (``OrderBook.submit`` / ``cancel``): the matching the clearing runs;
* a whole clearing (``Clearing.place``): checks, matching, and every event built and folded into
  the market state, for a book that stays small, as in a simulation step;
* the pure ``match(book, order)`` (copies the book each call) on a small book.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import machine_note, print_rows  # noqa: E402
from troupe_es.commands.market.engine import BookOrder, OrderBook, match, seeded_tie_break  # noqa: E402


def stream(n: int, goods: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    mids = [1000] * goods
    out = []
    for i in range(n):
        g = rng.randrange(goods)
        mids[g] = max(100, mids[g] + rng.randint(-5, 5))
        roll = rng.random()
        if roll < 0.05 and i:
            out.append(("cancel", f"o{rng.randrange(i)}"))
            continue
        side = "buy" if rng.random() < 0.5 else "sell"
        limit = None if roll < 0.15 else mids[g] + rng.randint(-30, 30)
        out.append(("order", BookOrder(f"o{i}", f"a{rng.randrange(50)}", side, f"g{g}", rng.randint(1, 20), limit,
                                       i // 1000)))
    return out


def bench_engine(items: list[tuple], seed: int) -> tuple[float, int, int]:
    tie = seeded_tie_break(seed)
    orders = [(kind, x) if kind == "cancel" else (kind, BookOrder(x.id, x.agent, x.side, x.good, x.remaining,
                                                                   x.limit, x.step, tie(x.id)))
              for kind, x in items]  # tie keys computed outside the timed loop
    book = OrderBook()
    fills = 0
    started, cpu = time.perf_counter(), time.process_time()
    for kind, x in orders:
        if kind == "cancel":
            book.cancel(x)
        else:
            fills += len(book.submit(x))
    return time.perf_counter() - started, time.process_time() - cpu, fills, len(book)


def bench_tie(items: list[tuple], seed: int) -> float:
    tie = seeded_tie_break(seed)
    started = time.process_time()
    for kind, x in items:
        if kind == "order":
            tie(x.id)
    return time.process_time() - started


def bench_clearing(n: int, seed: int) -> tuple[float, int]:
    from troupe_es.commands.market.clearing import Clearing
    from troupe_es.domain.market import Order, apply, replace
    from troupe_es.events.market import GoodsEndowed, MarketOpened

    m = apply(None, MarketOpened(world="W", goods=["g0", "g1"], credit_cents=0, currency="$"))
    for a in range(20):
        m = apply(m, GoodsEndowed(agent=f"a{a}", cash_cents=10**9, goods={"g0": 10**6, "g1": 10**6}))
    rng = random.Random(seed)
    events = 0
    started = time.process_time()
    for batch in range(n // 50):
        pending = []
        for j in range(50):
            side = "buy" if rng.random() < 0.5 else "sell"
            pending.append(Order(f"a{rng.randrange(20)}:o{batch}-{j}", f"a{rng.randrange(20)}", side,
                                 f"g{rng.randrange(2)}", rng.randint(1, 5), 1000 + rng.randint(-20, 20), "limit", 0, ""))
        run = Clearing(replace(m, pending=tuple(pending)), seed)
        for order in pending:
            run.place(order, batch)
        events += len(run.events)
        m = replace(run.m, book=run.m.book[-40:] if len(run.m.book) > 40 else run.m.book)
        m = replace(m, traders={k: replace(t, reserved_cash=0, reserved_goods={}) for k, t in m.traders.items()})
    return time.process_time() - started, events


def bench_pure(n: int, seed: int) -> float:
    book = OrderBook.from_orders(BookOrder(f"r{i}", f"a{i % 7}", "sell" if i % 2 else "buy", "g", 5,
                                           1000 + (i % 2) * 10 + i % 5, 0, "") for i in range(40))
    rng = random.Random(seed)
    tie = seeded_tie_break(seed)
    started = time.process_time()
    for i in range(n):
        side = "buy" if rng.random() < 0.5 else "sell"
        match(book, BookOrder(f"x{i}", "z", side, "g", 3, 1000 + rng.randint(-20, 20)), tie)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--goods", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    items = stream(args.orders, args.goods, args.seed)
    submitted = sum(1 for kind, _ in items if kind == "order")
    seconds, cpu, fills, resting = bench_engine(items, args.seed)
    tie_seconds = bench_tie(items, args.seed)
    clearing_n = min(args.orders, 20_000)
    clearing_s, events = bench_clearing(clearing_n, args.seed)
    pure_n = min(args.orders, 20_000)
    pure_s = bench_pure(pure_n, args.seed)
    print_rows([
        ("engine: orders matched (CPU time)", f"{len(items) / cpu:,.0f}/s",
         f"{submitted:,} orders + {len(items) - submitted:,} cancels in {cpu:.2f}s of CPU; {fills:,} fills, "
         f"{resting:,} resting at the end"),
        ("engine: orders matched (wall time)", f"{len(items) / seconds:,.0f}/s",
         f"{seconds:.2f}s wall: on a loaded machine the process waits for a CPU"),
        ("engine incl. seeded tie-break (CPU)", f"{len(items) / (cpu + tie_seconds):,.0f}/s",
         f"sha256 tie keys take {tie_seconds:.2f}s of CPU more"),
        ("clearing with events + fold (CPU)", f"{clearing_n / clearing_s:,.0f}/s",
         f"{clearing_n:,} orders in batches of 50, {events:,} events built and folded"),
        ("pure match, 40-order book copied (CPU)", f"{pure_n / pure_s:,.0f}/s", f"{pure_n:,} calls"),
    ], value_width=12)
    print(machine_note())


if __name__ == "__main__":
    main()
