"""Mock runs cost nothing: the audit and ``runs`` say $0, with the price table's estimate apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import troupe
from troupe_es.llm.mock_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
FOCUS = str(ROOT / "examples" / "focus_group.yaml")


def test_a_mock_run_costs_nothing_and_the_estimate_is_shown_apart(tmp_path):
    url = f"sqlite:///{tmp_path}/mock.db"
    run_id = troupe("run", FOCUS, "-q", store=url).out.strip()
    completed = [json.loads(ln)["payload"] for ln in
                 troupe("log", run_id, "--json", "--type", "LLMCallCompleted", store=url).out.splitlines()]
    assert completed and all(c["cost_usd"] == 0 for c in completed)

    audit = json.loads(troupe("audit", run_id, "--format", "json", store=url).out)
    totals = audit["totals"]
    assert totals["cost_usd"] == 0 and totals["input_tokens"] > 0
    assert totals["estimated_cost_usd"] > 0  # what the same tokens would cost at gpt-4o-mini's list price
    assert all(c["cost_usd"] == 0 and c["estimated_cost_usd"] > 0 for c in audit["calls"])
    assert totals["estimated_cost_usd"] == pytest.approx(sum(c["estimated_cost_usd"] for c in audit["calls"]))
    table = troupe("audit", run_id, store=url).out
    assert "$0.00000 spent" in table and f"${totals['estimated_cost_usd']:.5f} at list prices" in table
    assert "est. $" in table

    row = {r["run_id"]: r for r in json.loads(troupe("runs", "--json", store=url).out)}[run_id]
    assert row["cost_usd"] == 0 and row["tokens"] > 0 and row["unknown_cost_calls"] == 0
    listing = [ln for ln in troupe("runs", store=url).out.splitlines() if run_id in ln]
    assert listing and listing[0].rstrip().endswith("0.0000")


def test_a_paid_provider_costs_its_list_price(tmp_path):
    url = f"sqlite:///{tmp_path}/paid.db"
    with serve_in_thread() as server:
        res = troupe("run", FOCUS, "-q", "--llm", "openai", "--base-url", server.base_url, store=url,
                     env={"AZURE_OPENAI_ENDPOINT": "", "OPENAI_API_KEY": ""})
    run_id = res.out.strip()
    totals = json.loads(troupe("audit", run_id, "--format", "json", store=url).out)["totals"]
    assert totals["cost_usd"] > 0 and totals["cost_usd"] == pytest.approx(totals["estimated_cost_usd"])
