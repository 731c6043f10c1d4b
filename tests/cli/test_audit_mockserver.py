"""`troupe-es audit` formats, `troupe-es mock-llm serve` over HTTP, and a run stopped by its budget."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import polars as pl

from tests.cli.helpers import troupe

ROOT = Path(__file__).resolve().parents[2]
FOCUS = str(ROOT / "examples" / "focus_group.yaml")


def test_audit_formats_and_cache_totals(tmp_path):
    url = f"sqlite:///{tmp_path}/a.db"
    first = troupe("run", FOCUS, "-q", store=url).out.strip()
    second = troupe("run", FOCUS, "-q", store=url).out.strip()
    table = troupe("audit", first, store=url)
    assert table.code == 0 and "Lisa Carter" in table.out and "total: 9 calls, 0 cache hits, 9 misses, 0 evictions" in table.out
    cached = json.loads(troupe("audit", second, "--format", "json", store=url).out)
    assert cached["totals"]["cache_hits"] == 9 and cached["totals"]["cost_usd"] == 0
    assert cached["totals"]["cost_saved_usd"] > 0
    row = cached["calls"][0]
    for key in ("gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "latency_ms",
                "attempts", "cache_status", "cost_usd", "request_key", "agent", "step", "time"):
        assert key in row
    csv = troupe("audit", first, "--format", "csv", store=url).out.splitlines()
    assert csv[0].startswith("run_id,") and len(csv) == 10
    out = tmp_path / "audit.parquet"
    assert troupe("audit", first, "--format", "parquet", "--out", str(out), store=url).code == 0
    assert pl.read_parquet(out).height == 9
    missing = troupe("audit", first, "--format", "parquet", store=url)
    assert missing.code == 1 and "--out" in missing.err
    runs = {r["run_id"]: r for r in json.loads(troupe("runs", "--json", store=url).out)}
    assert runs[second]["cache_hits"] == 9 and runs[second]["tokens"] == 0 and runs[first]["tokens"] > 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mock_llm_serve_is_openai_compatible():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "troupe_es", "mock-llm", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().strip()
        assert base == f"http://127.0.0.1:{port}/v1"
        from openai import OpenAI

        client = OpenAI(base_url=base, api_key="sk-test")
        models = [m.id for m in client.models.list()]
        assert "gpt-4o-mini" in models
        schema = {"type": "object", "properties": {"verdict": {"type": "string", "enum": ["buy", "skip"]},
                                                   "why": {"type": "string"}},
                  "required": ["verdict", "why"], "additionalProperties": False}
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Would you buy oat cereal?"}],
            response_format={"type": "json_schema", "json_schema": {"name": "v", "schema": schema, "strict": True}})
        parsed = json.loads(reply.choices[0].message.content)
        assert parsed["verdict"] in ("buy", "skip") and reply.usage.total_tokens > 0
        emb = client.embeddings.create(model="mock-embedding", input=["oats", "corn"])
        assert len(emb.data) == 2 and len(emb.data[0].embedding) == 256
        assert httpx.get(f"http://127.0.0.1:{port}/stats").json() == {"requests": 2, "chat": 1, "embeddings": 1,
                                                                       "errors": 0, "hostile": 0, "with_key": 2}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_budget_stops_the_run_cleanly(tmp_path):
    url = f"sqlite:///{tmp_path}/b.db"
    res = troupe("run", FOCUS, "--budget-tokens", "2500", store=url)
    assert res.code == 0 and "stopped at its budget" in res.err
    run_id = res.out.strip().splitlines()[-1]
    row = {r["run_id"]: r for r in json.loads(troupe("runs", "--json", store=url).out)}[run_id]
    assert row["status"] == "budget-exceeded" and row["tokens"] <= 2500
    types = [json.loads(ln)["type"] for ln in troupe("log", run_id, "--json", store=url).out.splitlines()]
    assert "BudgetExceeded" in types and types[-1] == "RunInterrupted"
    assert troupe("replay", run_id, "--verify", store=url).code == 0
    # raise the budget and resume: the run continues as the same run, paying nothing twice
    assert troupe("resume", run_id, "--budget-tokens", "2400", store=url).code == 0  # still spent
    resumed = troupe("resume", run_id, "--budget-tokens", "100000", store=url)
    assert resumed.code == 0, resumed.err
    assert resumed.out.strip().splitlines()[-1] == run_id
    row = {r["run_id"]: r for r in json.loads(troupe("runs", "--json", store=url).out)}[run_id]
    assert row["status"] == "completed" and row["resumed"] == 2
    assert troupe("replay", run_id, "--verify", store=url).code == 0
