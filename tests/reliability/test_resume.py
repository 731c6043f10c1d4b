"""Resume after a crash, a signal or a provider outage: finished turns are never played again,
paid calls in flight are in the log, and the resumed run replays verified.

Each test runs the real ``troupe-es`` entry point as a subprocess over the real ``openai`` client
against the project's mock server (with latency, so the process can be stopped while calls are
in flight) and then inspects the log through the CLI.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.cli.helpers import troupe
from troupe_es.llm.mock_server import serve_in_thread

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
FOCUS = str(ROOT / "examples" / "focus_group.yaml")
KEY = {"OPENAI_API_KEY": "sk-resume-test"}


def _types(db: Path) -> Counter:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return Counter(t for (t,) in conn.execute("SELECT type FROM troupe_events"))
    except sqlite3.OperationalError:  # not created yet
        return Counter()


def _start_run(url: str, base: str, *extra: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "troupe_es", "--store", url, "run", FOCUS, "--llm", "openai",
            "--base-url", base, "-q", *extra]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **KEY})


def _wait_for_calls_in_flight(proc: subprocess.Popen, db: Path, *, after_completions: int) -> Counter:
    """Block until the run has committed requests whose answers are not recorded yet."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        types = _types(db)
        if types["LLMCallCompleted"] >= after_completions and types["LLMCallRequested"] > types["LLMCallCompleted"]:
            return types
        time.sleep(0.005)
    raise AssertionError("the run never had a call in flight")


def _run_id(url: str) -> str:
    [row] = json.loads(troupe("runs", "--json", store=url).out)
    return row["run_id"]


def _turns(url: str, run_id: str) -> Counter:
    """(agent, step) -> number of finished turns (DONE actions) in the log."""
    steps: Counter = Counter()
    step = None
    for line in troupe("log", run_id, "--json", store=url).out.splitlines():
        rec = json.loads(line)
        if rec["type"] == "StepStarted":
            step = rec["payload"]["step"]
        elif rec["type"] == "ActionTaken" and rec["payload"]["action"] == "DONE":
            steps[(rec["payload"]["agent"], step)] += 1
    return steps


def _assert_finished_once(url: str, run_id: str) -> None:
    turns = _turns(url, run_id)
    assert set(turns.values()) == {1}, f"a turn was played twice: {turns}"
    assert len(turns) == 3 * 3, turns  # 3 agents x 3 steps, every one exactly once


@pytest.mark.parametrize("parallel", ["1", "3"])
def test_sigkill_with_calls_in_flight_then_resume(tmp_path, parallel):
    db = tmp_path / "kill.db"
    url = f"sqlite:///{db}"
    server = serve_in_thread(latency_ms=150)
    try:
        proc = _start_run(url, server.base_url, "--parallel", parallel)
        before = _wait_for_calls_in_flight(proc, db, after_completions=2)
        proc.kill()
        proc.wait()
        run_id = _run_id(url)
        row = json.loads(troupe("runs", "--json", store=url).out)[0]
        assert row["status"] == "stale", row  # its writer is dead: not "running" forever
        # every paid call in flight is in the log: requested, never answered
        audit = json.loads(troupe("audit", run_id, "--format", "json", store=url).out)
        unanswered = [c for c in audit["calls"] if c["status"] == "unanswered"]
        in_flight = before["LLMCallRequested"] - before["LLMCallCompleted"]
        assert 1 <= len(unanswered) and len(unanswered) >= in_flight - 0
        answered_before = _types(db)["LLMCallCompleted"]
        served_before = server.counters.chat
        resumed = troupe("resume", run_id, "--llm", "openai", "--base-url", server.base_url,
                         "--parallel", parallel, "-q", store=url, env=KEY)
        assert resumed.code == 0, resumed.err
        assert resumed.out.strip().splitlines()[-1] == run_id
        _assert_finished_once(url, run_id)
        types = _types(db)
        assert types["RunResumed"] == 1 and types["RunCompleted"] == 1
        # the resumed part paid only for the turns that had not finished
        assert server.counters.chat - served_before == types["LLMCallCompleted"] - answered_before
        # paid calls lost to the kill: answered by the server, never recorded (at most those in flight)
        lost = served_before - answered_before
        assert 0 <= lost <= 3
        assert json.loads(troupe("runs", "--json", store=url).out)[0]["status"] == "completed"
        replay = troupe("replay", run_id, "--verify", store=url)
        assert replay.code == 0, replay.out + replay.err
        assert troupe("verify", run_id, store=url).code == 0
    finally:
        server.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_records_run_interrupted_and_the_run_resumes(tmp_path, sig):
    db = tmp_path / "term.db"
    url = f"sqlite:///{db}"
    server = serve_in_thread(latency_ms=150)
    try:
        proc = _start_run(url, server.base_url, "--parallel", "3")
        _wait_for_calls_in_flight(proc, db, after_completions=3)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 128 + sig, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        run_id = out.strip().splitlines()[-1]
        assert f"troupe-es resume {run_id}" in err
        lines = troupe("log", run_id, "--json", store=url).out.splitlines()
        last = json.loads(lines[-1])
        assert last["type"] == "RunInterrupted" and last["payload"]["cause"] == sig.name
        assert json.loads(troupe("runs", "--json", store=url).out)[0]["status"] == "interrupted"
        # `log --follow` ends by itself at the interruption
        follow = troupe("log", run_id, "--follow", "--type", "StepStarted", store=url, timeout=30)
        assert follow.code == 0
        # an interrupted run replays verified as it is, and again once resumed
        assert troupe("replay", run_id, "--verify", store=url).code == 0
        resumed = troupe("resume", run_id, "--llm", "openai", "--base-url", server.base_url, "-q",
                         store=url, env=KEY)
        assert resumed.code == 0, resumed.err
        _assert_finished_once(url, run_id)
        replay = troupe("replay", run_id, "--verify", store=url)
        assert replay.code == 0, replay.out + replay.err
    finally:
        server.stop()


def test_a_run_failed_by_a_provider_outage_resumes_once_the_provider_is_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'outage.db'}"
    healthy = serve_in_thread()
    try:
        first = troupe("run", FOCUS, "--llm", "openai", "--base-url", healthy.base_url, "-q", store=url, env=KEY)
        assert first.code == 0
    finally:
        healthy.stop()
    down = serve_in_thread(error_rate=1.0, retry_after=0.0)
    try:
        # a second scenario run on a failing provider: a new seed, so nothing comes from the cache
        failed = troupe("run", FOCUS, "--seed", "7", "--llm", "openai", "--base-url", down.base_url, "-q",
                        store=url, env=KEY)
        assert failed.code == 1 and "failed" in failed.err
        run_id = failed.out.strip().splitlines()[-1]
    finally:
        down.stop()
    assert troupe("replay", run_id, "--verify", store=url).code == 0
    back = serve_in_thread()
    try:
        resumed = troupe("resume", run_id, "--llm", "openai", "--base-url", back.base_url, "-q",
                         store=url, env=KEY)
        assert resumed.code == 0, resumed.err
    finally:
        back.stop()
    _assert_finished_once(url, run_id)
    rows = {r["run_id"]: r for r in json.loads(troupe("runs", "--json", store=url).out)}
    assert rows[run_id]["status"] == "completed" and rows[run_id]["resumed"] == 1
    replay = troupe("replay", run_id, "--verify", store=url)
    assert replay.code == 0, replay.out + replay.err


def test_a_completed_or_live_run_is_not_resumed(tmp_path):
    url = f"sqlite:///{tmp_path / 'done.db'}"
    run_id = troupe("run", FOCUS, "-q", store=url).out.strip()
    done = troupe("resume", run_id, store=url)
    assert done.code == 1 and "nothing to resume" in done.err and "Traceback" not in done.err


def test_simulation_resume_continues_a_killed_run_from_python(tmp_path):
    from troupe_es import Simulation
    from troupe_es.store import open_store

    db = tmp_path / "py.db"
    url = f"sqlite:///{db}"
    server = serve_in_thread(latency_ms=100)
    try:
        proc = _start_run(url, server.base_url)
        _wait_for_calls_in_flight(proc, db, after_completions=4)
        proc.kill()
        proc.wait()
    finally:
        server.stop()
    run_id = _run_id(url)
    with open_store(url) as store:
        # continued on the in-process mock LLM: another provider, so the unfinished turns are new calls
        sim = Simulation.resume(run_id, store, llm="mock")
        assert sim.run_id == run_id and sim.outcome.status == "completed"
        assert sim.state.status == "completed"
        sim.close()
    _assert_finished_once(url, run_id)
    replay = troupe("replay", run_id, "--verify", store=url)
    assert replay.code == 0, replay.out + replay.err
