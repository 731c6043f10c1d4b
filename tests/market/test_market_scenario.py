"""The scenario's market: section: a mistake is one line naming the field; credit is configurable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.cli.helpers import troupe
from troupe_es.store import open_store

ROOT = Path(__file__).resolve().parents[2]
BASE = yaml.safe_load((ROOT / "examples" / "marketplace.yaml").read_text())


def write(tmp_path: Path, market: dict, script=None) -> str:
    data = {**BASE, "market": market, "script": script or BASE["script"]}
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


@pytest.mark.parametrize("change, message", [
    ({"goods": []}, "market.goods"),
    ({"prices": {"pears": 1}}, "unknown good 'pears'"),
    ({"cash": "1.234"}, "at most two decimal places"),
    ({"credit": -5}, "non-negative"),
    ({"endowments": {**BASE["market"]["endowments"], "Zed": {"cash": 1}}},
     "market.endowments.Zed: unknown agent 'Zed'"),
    ({"posted": [{"seller": "Dev Mehta", "good": "apples", "quantity": 2, "price": 1}]},
     "Dev Mehta offers 2 apples but is endowed with 0"),
    ({"payments": [{"name": "w", "kind": "income", "to": ["Dev Mehta"], "amount": 1}]}, "say how often"),
    ({"payments": [{"name": "w", "kind": "income", "to": ["Dev Mehta"], "amount": 1, "every": "soon"}]},
     "invalid duration"),
    ({"payments": [{"name": "i", "kind": "interest", "to": ["Dev Mehta"], "amount": 1, "every": "1h"}]},
     "interest needs a rate"),
    ({"payments": [{"name": "r", "kind": "rent", "to": "Ana Costa", "amount": 1, "every": "1h"}]},
     "rent needs 'from'"),
    ({"godos": ["apples"]}, "godos"),
])
def test_a_bad_market_section_is_one_line(tmp_path, change, message):
    market = {**BASE["market"], **change}
    res = troupe("run", write(tmp_path, market), "-q", store=f"sqlite:///{tmp_path}/x.db")
    assert res.code == 1, res.out
    assert message in res.err and len(res.err.strip().splitlines()) == 1 and "Traceback" not in res.err


def test_credit_lets_cash_go_below_zero_and_no_further(tmp_path):
    market = {"goods": ["apples"], "credit": 3, "prices": {"apples": 2},
              "endowments": {"Ana Costa": {"goods": {"apples": 9}}},
              "posted": [{"seller": "Ana Costa", "good": "apples", "quantity": 9, "price": 2}],
              "payments": [{"name": "bonus", "kind": "income", "to": ["Ben Okoro"], "amount": 1, "every": "1h",
                            "at": "08:30"},
                           {"name": "loan interest", "kind": "interest", "to": ["Ben Okoro", "Cleo Park", "Dev Mehta"],
                            "rate": 0.5, "cron": "0 10 * * *"}]}
    store = f"sqlite:///{tmp_path}/c.db"
    res = troupe("run", write(tmp_path, market, [{"run": 6}]), "-q", store=store, timeout=300)
    assert res.code == 0, res.err
    run_id = res.out.strip()
    final = json.loads(troupe("market", run_id, "--json", store=store).out)
    assert final["credit_cents"] == 300
    cash = [t["cash_cents"] for t in final["traders"].values()]
    assert min(cash) >= -300 and min(cash) < 0  # with no cash at all, buyers bought on credit
    assert final["totals"]["goods"] == {"apples": 9}
    with open_store(store) as s:
        paid = [r.event for r in s.read(run_id=run_id, types=["PaymentMade"])]
    # 30-minute steps from 08:00: the bonus first at 08:30 (step 1) then hourly (step 3, step 5);
    # the cron interest at 10:00 (step 4), charged on debts and paid on balances, rounded to the cent
    assert [(p.name, p.step) for p in paid if p.name == "bonus"] == [("bonus", 1), ("bonus", 3), ("bonus", 5)]
    interest = [p for p in paid if p.name == "loan interest"]
    assert interest and {p.step for p in interest} == {4}
    assert all(p.payer and p.payee is None for p in interest)  # the buyers owe: interest is charged
    outside = sum(p.amount_cents for p in paid if p.payer is None) - sum(p.amount_cents for p in paid if p.payee is None)
    assert sum(cash) == outside
    assert troupe("replay", run_id, "--verify", store=store, timeout=300).code == 0
