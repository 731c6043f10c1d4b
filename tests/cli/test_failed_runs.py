"""Failed runs replay verified, and the calls that failed after being paid are counted.

One test per kind of failure: a provider error (HTTP 500 on every attempt), output that stays
invalid (paid attempts, then given up), a budget stop and an internal error (a bug inside a
turn). Each run is made through the CLI and checked with ``troupe-es replay --verify``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.cli.helpers import troupe
from tests.llm.conftest import FAST_RETRY
from troupe_es.llm.mock_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
FOCUS = str(ROOT / "examples" / "focus_group.yaml")
ENV = {"AZURE_OPENAI_ENDPOINT": "", "OPENAI_BASE_URL": "", "OPENAI_API_KEY": ""}


def _in_process(*args: str):  # noqa: ANN202
    """``troupe-es ARGS`` in this process (so a test can patch the code it runs)."""
    from troupe_es.cli import cli

    return CliRunner().invoke(cli, list(args))


def _events(url: str, run_id: str, *types: str) -> list[dict]:
    args = ["log", run_id, "--json"] + [a for t in types for a in ("--type", t)]
    return [json.loads(ln) for ln in troupe(*args, store=url).out.splitlines()]


def _failed_run(url: str) -> tuple[str, dict]:
    runs = json.loads(troupe("runs", "--json", store=url).out)
    [row] = [r for r in runs if r["status"] == "failed"]
    return row["run_id"], row


def _assert_replays_verified(url: str, run_id: str) -> None:
    res = troupe("replay", run_id, "--verify", store=url)
    assert res.code == 0 and "verified" in res.out, res.err
    replayed = json.loads(troupe("replay", run_id, "--json", store=url).out)
    assert replayed["ok"] and replayed["divergence"] is None


def test_a_provider_error_run_replays_verified(tmp_path, monkeypatch):
    import troupe_es.bootstrap as bootstrap

    make_gateway = bootstrap.make_gateway

    def fast_retries(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - the CLI's gateway, quick back-off
        gateway = make_gateway(*args, **kwargs)
        gateway.retry = FAST_RETRY
        return gateway

    monkeypatch.setattr(bootstrap, "make_gateway", fast_retries)
    url = f"sqlite:///{tmp_path}/http500.db"
    with serve_in_thread(error_rate=1.0, error_kinds=("500",)) as server:
        res = _in_process("--store", url, "run", FOCUS, "-q", "--llm", "openai", "--base-url", server.base_url)
        assert server.counters.errors == 3 * FAST_RETRY.max_attempts  # every agent's call, every attempt
    assert res.exit_code == 1 and "HTTP 500" in res.output
    run_id, row = _failed_run(url)
    [failed] = _events(url, run_id, "RunFailed")
    assert failed["payload"]["error_type"] == "ProviderError"
    assert "HTTP 500" in row["reason"] and "attempt" not in row["reason"]  # no volatile count in the reason
    calls = _events(url, run_id, "LLMCallFailed")
    assert len(calls) == 3 and all(c["payload"]["input_tokens"] == 0 and c["payload"]["cost_usd"] == 0
                                   for c in calls)  # nothing was answered, so nothing was paid
    _assert_replays_verified(url, run_id)


def test_invalid_output_run_replays_verified_and_its_paid_attempts_are_counted(tmp_path):
    url = f"sqlite:///{tmp_path}/invalid.db"
    with serve_in_thread(malformed_rate=1.0) as server:
        res = troupe("run", FOCUS, "-q", "--llm", "openai", "--base-url", server.base_url, store=url, env=ENV)
        answered = server.counters.chat
    assert res.code == 1 and "invalid" in res.err
    run_id, row = _failed_run(url)
    assert "stayed invalid after" not in row["reason"] and "attempt" not in row["reason"]
    failed = [e["payload"] for e in _events(url, run_id, "LLMCallFailed")]
    assert len(failed) == 3 and {f["error_type"] for f in failed} == {"InvalidOutputError"}
    assert answered == 3 * 3  # each call: the first answer and two retries with feedback, all paid
    assert all(f["input_tokens"] > 0 and f["output_tokens"] > 0 and f["cost_usd"] > 0 for f in failed)

    audit = json.loads(troupe("audit", run_id, "--format", "json", store=url).out)
    totals = audit["totals"]
    assert totals["failures"] == 3
    assert totals["input_tokens"] == sum(f["input_tokens"] for f in failed)
    assert totals["output_tokens"] == sum(f["output_tokens"] for f in failed)
    assert totals["cost_usd"] == pytest.approx(sum(f["cost_usd"] for f in failed)) and totals["cost_usd"] > 0
    assert [c["status"] for c in audit["calls"]] == ["failed"] * 3
    assert all(c["gen_ai.usage.input_tokens"] > 0 and c["cost_usd"] > 0 for c in audit["calls"])
    table = troupe("audit", run_id, store=url).out
    assert f"${totals['cost_usd']:.5f} spent" in table and "3 failed" in table
    assert row["tokens"] == totals["input_tokens"] + totals["output_tokens"]
    assert row["cost_usd"] == pytest.approx(totals["cost_usd"]) and row["llm_failures"] == 3
    _assert_replays_verified(url, run_id)


def test_a_budget_stop_replays_verified(tmp_path):
    url = f"sqlite:///{tmp_path}/budget.db"
    res = troupe("run", FOCUS, "-q", "--budget-tokens", "2500", store=url)
    run_id = res.out.strip().splitlines()[-1]
    assert {e["payload"]["limit"] for e in _events(url, run_id, "BudgetExceeded")} == {"tokens"}
    _assert_replays_verified(url, run_id)


def test_an_internal_error_run_replays_verified(tmp_path, monkeypatch):
    import troupe_es.commands.step as step

    decide_turn = step.decide_turn

    def buggy(agent, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 - a bug in Oscar's second turn
        if agent.name.startswith("Oscar") and agent.turns == 1:
            raise KeyError("no such memory slot: 'mood'")
        return decide_turn(agent, *args, **kwargs)

    monkeypatch.setattr(step, "decide_turn", buggy)
    url = f"sqlite:///{tmp_path}/bug.db"
    res = _in_process("--store", url, "run", FOCUS, "-q")
    assert isinstance(res.exception, KeyError)  # a bug still surfaces
    run_id, row = _failed_run(url)
    assert row["reason"] == "internal error: \"no such memory slot: 'mood'\""
    [failed] = _events(url, run_id, "RunFailed")
    assert failed["payload"]["error_type"] == "KeyError"
    replay = _in_process("--store", url, "replay", run_id, "--verify")  # the same code, the same bug
    assert replay.exit_code == 0 and "verified" in replay.output, replay.output


def test_a_bug_only_the_replay_hits_is_a_divergence_not_a_traceback(tmp_path, monkeypatch):
    import troupe_es.commands.step as step

    url = f"sqlite:///{tmp_path}/later-bug.db"
    run_id = troupe("run", FOCUS, "-q", store=url).out.strip()

    def buggy(agent, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 - the code changed since
        raise KeyError("a bug introduced after the run")

    monkeypatch.setattr(step, "decide_turn", buggy)
    replay = _in_process("--store", url, "replay", run_id, "--verify")
    assert replay.exit_code == 3 and isinstance(replay.exception, SystemExit)  # exit 3, not a traceback
    assert "replay differs at position" in replay.output
    assert "divergence: the replay raised KeyError: 'a bug introduced after the run'" in replay.output
