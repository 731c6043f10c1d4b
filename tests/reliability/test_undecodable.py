"""One undecodable row (a corrupt payload, an unreadable compressed payload, an unknown type) is
reported by `runs` and `projections rebuild`, which go on with everything else; `verify` fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.cli.helpers import troupe
from troupe_es.store import open_store

pytestmark = pytest.mark.slow

FOCUS = str(Path(__file__).resolve().parents[2] / "examples" / "focus_group.yaml")


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def _record(url: str) -> str:
    res = troupe("run", FOCUS, "--llm", "mock", "-q", store=url)
    assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


@pytest.fixture
def damaged(sql_url):
    """Two recorded runs ("alpha" first, then "beta", whole; positions 1..N), then three damaged
    rows of run alpha (N+1: a payload that does not fit its type, N+2: a compressed payload that
    cannot be inflated, N+3: an unknown type) inserted behind the store's back (after which the
    store refuses appends: its heads no longer match the log)."""
    alpha = _record(sql_url)
    with open_store(sql_url) as store:
        alpha_events = store.last_position()
    beta = _record(sql_url)
    with open_store(sql_url) as store:
        n = store.last_position()
        recorded_at = next(store.iter_rows()).recorded_at
    engine = create_engine(sql_url)
    with engine.begin() as conn:  # inserts pass the append-only triggers
        conn.execute(text(
            "INSERT INTO troupe_events (position, run_id, stream, stream_version, event_id, type, "
            "schema_version, recorded_at, content_hash, chain_hash, payload, payload_z) VALUES "
            "(:p1, :run, 'damaged/1', 1, 'bad-1', 'LLMCallCompleted', 1, :t, 'x', 'y', '{\"agent\": [1]}', NULL),"
            "(:p2, :run, 'damaged/2', 1, 'bad-2', 'RunCompleted', 1, :t, 'x', 'y', NULL, :z),"
            "(:p3, :run, 'damaged/3', 1, 'bad-3', 'Teleported', 1, :t, 'x', 'y', '{}', NULL)"),
            {"p1": n + 1, "p2": n + 2, "p3": n + 3, "run": alpha, "t": recorded_at, "z": b"z1:not zlib"})
    engine.dispose()
    return {"url": sql_url, "alpha": alpha, "beta": beta, "n": n, "last": n + 3, "alpha_events": alpha_events}


def _warnings(err: str) -> list[str]:
    lines = err.strip().splitlines()
    assert all(ln.startswith("warning: skipped an undecodable event at position ") for ln in lines), err
    return lines


def test_runs_reports_undecodable_rows_and_lists_everything_else_but_verify_fails(damaged):
    url, alpha, beta, n = damaged["url"], damaged["alpha"], damaged["beta"], damaged["n"]
    res = troupe("runs", "--json", store=url)
    assert res.code == 0, res.err
    warnings = _warnings(res.err)
    assert [w.split(" of run ")[0].rsplit(" ", 1)[1] for w in warnings] == [str(n + 1), str(n + 2)]
    assert all(f"of run {alpha}:" in w for w in warnings)
    assert "(LLMCallCompleted) cannot be decoded" in warnings[0] and "unreadable payload" in warnings[1]
    rows = {r["run_id"]: r for r in json.loads(res.out)}
    assert rows[alpha]["undecodable"] == [n + 1, n + 2] and rows[alpha]["events"] == damaged["alpha_events"] + 3
    assert rows[alpha]["status"] == "completed" and rows[alpha]["llm_calls"] == 9
    assert rows[beta]["undecodable"] == [] and rows[beta]["status"] == "completed"
    assert rows[beta]["llm_calls"] == 9 and rows[beta]["events"] == n - damaged["alpha_events"]
    table = troupe("runs", store=url)
    assert table.code == 0 and beta in table.out and len(_warnings(table.err)) == 2
    verified = troupe("verify", store=url)
    assert verified.code == 3 and f"position {n + 1}" in verified.err


def test_projection_rebuilds_report_undecodable_rows_and_rebuild_the_rest(damaged):
    url, alpha, beta, n = damaged["url"], damaged["alpha"], damaged["beta"], damaged["n"]
    res = troupe("projections", "rebuild", "--every", "10", "--json", store=url)
    assert res.code == 0, res.err
    assert [w.split(" of run ")[0].rsplit(" ", 1)[1] for w in _warnings(res.err)] == [str(n + 1), str(n + 2)]
    reports = {r["name"]: r for r in json.loads(res.out)}
    assert {name: [s["position"] for s in r["skipped"]] for name, r in reports.items()} == \
        {"llm_cache": [n + 1], "run_state": [n + 2], "runs": [n + 1, n + 2], "memory": [], "tools": []}
    assert all(r["checkpoint"] == damaged["last"] for r in reports.values())
    assert reports["llm_cache"]["skipped"][0]["run_id"] == alpha
    assert reports["runs"]["items"] == 2
    with open_store(url, readonly=True) as store:
        keys = {json.loads(r.payload)["request_key"] for r in store.iter_rows(types=["LLMCallCompleted"])
                if r.event_id != "bad-1"}
        assert reports["llm_cache"]["items"] == 18 and len(keys) == 9  # run-beta was served from the cache
        alpha_snap = store.load_snapshot(alpha, "run_state")
        beta_snap = store.load_snapshot(beta, "run_state")
    assert alpha_snap is not None and alpha_snap.position <= n, "a snapshot of run-alpha past its damaged row"
    assert beta_snap is not None and beta_snap.position > damaged["alpha_events"], "run-beta was not snapshotted"
