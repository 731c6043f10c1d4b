"""The retail store end to end on the mock LLM, through the real CLI: shoppers walk, notice,
pick and pay; congestion blocks full cells; the run replays verified and ``--parallel 8`` gives
the same content hashes; ``state --at P`` shows positions and baskets as they were;
``troupe-es retail`` reports dwell and shelf traffic and writes a real PNG heatmap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import troupe
from tests.memory.helpers import events, run

ROOT = Path(__file__).resolve().parents[2]
STORE = str(ROOT / "examples" / "retail" / "corner-grocery.yaml")
WORLD = "Corner Grocery"


@pytest.fixture(scope="module")
def grocery(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('retail') / 'troupe.db'}"
    return url, run(STORE, url, "--parallel", "1")


def test_shoppers_notice_pick_and_pay_within_budget(grocery):
    url, run_id = grocery
    recs = events(url, run_id)
    types = [r.event.type for r in recs]
    assert types.count("StoreOpened") == 1 and types.count("ShopperEntered") == 4
    assert "ProductNoticed" in types and "ProductPicked" in types
    purchases = [r.event for r in recs if r.event.type == "PurchaseCompleted"]
    assert purchases
    budgets = {r.event.agent: r.event.budget for r in recs if r.event.type == "ShopperEntered"}
    paid: dict[str, int] = {}
    for p in purchases:
        paid[p.agent] = paid.get(p.agent, 0) + p.total
        assert p.items and p.total > 0
    assert all(paid[a] <= budgets[a] for a in paid)
    assert "MoveBlocked" in types  # a full cell held someone up (congestion)
    noticed = [(r.event.agent, r.event.product) for r in recs if r.event.type == "ProductNoticed"]
    assert len(noticed) == len(set(noticed))  # once per shopper and product
    assert {r.event.zone for r in recs if r.event.type == "AgentPlaced"} == {"entrance"}


def test_checkout_away_from_the_checkout_pays_on_arrival(grocery):
    url, run_id = grocery
    recs = events(url, run_id, "CheckoutStarted", "PurchaseCompleted", "AgentMoved")
    started = {}
    paid_on_arrival = 0
    for r in recs:
        e = r.event
        if e.type == "CheckoutStarted":
            started[e.agent] = r.position
        elif e.type == "PurchaseCompleted" and e.agent in started:
            moved = [m for m in recs if m.event.type == "AgentMoved" and m.event.agent == e.agent
                     and started[e.agent] < m.position < r.position]
            paid_on_arrival += bool(moved) and moved[-1].event.zone == "checkout"
            del started[e.agent]
    assert paid_on_arrival >= 1


def test_a_full_cell_is_never_entered(grocery):
    from troupe_es.snapshots import state_at
    from troupe_es.store import open_store

    url, run_id = grocery
    with open_store(url) as s:
        for r in s.read(run_id=run_id, types=["StepCompleted"]):
            w = state_at(s, run_id, position=r.position).worlds[WORLD]
            counts: dict = {}
            for cell in w.space.positions.values():
                counts[cell] = counts.get(cell, 0) + 1
            over = {c: n for c, n in counts.items() if n > w.store.cell_capacity(w.space.map.zone_at(c))}
            starts = {tuple(e.event.cell) for e in s.read(run_id=run_id, types=["AgentPlaced"])}
            assert set(over) <= starts  # only where shoppers were placed at the start


def test_replay_verifies_and_parallel_runs_share_content_hashes(grocery):
    url, run_id = grocery
    res = troupe("replay", run_id, "--verify", store=url, timeout=600)
    assert res.code == 0, res.err + res.out
    assert "every content hash matches" in res.out
    other = run(STORE, url, "--parallel", "8")
    assert [r.content_hash for r in events(url, run_id)] == [r.content_hash for r in events(url, other)]


def test_state_at_a_position_shows_positions_and_baskets_as_they_were(grocery):
    url, run_id = grocery
    pick = next(r for r in events(url, run_id, "ProductPicked"))
    e = pick.event
    before = json.loads(troupe("state", run_id, "--at", str(pick.position - 1), "--json", store=url).out)
    after = json.loads(troupe("state", run_id, "--at", str(pick.position), "--json", store=url).out)
    basket = lambda d: [p for p, _ in d["worlds"][WORLD]["store"]["shoppers"][e.agent]["basket"]]  # noqa: E731
    assert basket(after) == basket(before) + [e.product]
    assert after["worlds"][WORLD]["space"]["positions"][e.agent] == list(e.cell)
    res = troupe("state", run_id, "--at", str(pick.position), store=url)
    assert res.code == 0 and "store Corner Grocery" in res.out and e.product in res.out
    res = troupe("state", run_id, "--at", str(pick.position), "--agent", e.agent, "--json", store=url)
    view = json.loads(res.out)
    assert view["position"] == list(e.cell) and [p for p, _ in view["shopper"]["basket"]][-1] == e.product


def test_retail_report_and_heatmap_png(grocery, tmp_path):
    url, run_id = grocery
    png = tmp_path / "heat.png"
    res = troupe("retail", run_id, "--heatmap", str(png), "--json", store=url)
    assert res.code == 0, res.err
    data = json.loads(res.out)
    sold = sum(len(p.event.items) for p in events(url, run_id, "PurchaseCompleted"))
    assert sum(s["sold"] for s in data["shelf_traffic"].values()) == sold
    steps = len(events(url, run_id, "StepCompleted"))
    assert all(sum(d["steps"].values()) == steps for d in data["dwell"].values())
    assert sum(data["zone_dwell_seconds"].values()) == 4 * steps * 120  # 4 shoppers, 2-minute steps
    assert data["blocked_moves"] == len(events(url, run_id, "MoveBlocked"))
    raw = png.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] > 200 and image.size[1] > 100
    first = events(url, run_id, "PurchaseCompleted")[0]
    early = json.loads(troupe("retail", run_id, "--at", str(first.position - 1), "--json", store=url).out)
    assert early["purchases"] == [] and early["revenue_cents"] == 0  # as it was before the first sale
    text = troupe("retail", run_id, store=url)
    assert text.code == 0 and "dwell time per zone" in text.out and "shelf traffic" in text.out


def test_retail_on_a_run_without_a_store_is_one_line(grocery, tmp_path):
    url, _ = grocery
    other = run(str(ROOT / "examples" / "town-square.yaml"), url)
    res = troupe("retail", other, store=url)
    assert res.code == 1 and "has no retail store" in res.err and "Traceback" not in res.err
