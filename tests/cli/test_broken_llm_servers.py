"""`troupe-es run --llm openai` against broken servers: one line on stderr, exit 1, no traceback,
and every attempt of the failed call in the log. Also `mock-llm serve --hostile` itself."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx
import pytest

from tests.cli.helpers import Result, troupe
from troupe_es.llm.mock_server import serve_in_thread

SCENARIO = """\
name: one-call
seed: 7
llm: {model: gpt-4o-mini}
world: {name: Room, start: 2026-03-01T09:00:00, step: 15m}
personas:
  - {name: Ana, age: 40, occupation: {title: Baker}}
script:
  - broadcast: "Would you buy a new breakfast cereal?"
  - run: 1
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_against(tmp_path, base_url: str, *options: str, text: str = SCENARIO) -> tuple[Result, str]:
    scenario = tmp_path / "one.yaml"
    scenario.write_text(text, encoding="utf-8")
    url = f"sqlite:///{tmp_path}/runs.db"
    result = troupe("run", str(scenario), "--llm", "openai", "--base-url", base_url, "-q", *options, store=url,
                    env={"OPENAI_API_KEY": "sk-broken-server-test"})
    return result, url


def events(url: str, run_id: str, type_: str) -> list[dict]:
    """The payloads of a run's events of one type, as stored."""
    from troupe_es.store import open_store

    with open_store(url) as store:
        return [r.event.model_dump(mode="json") for r in store.read(run_id=run_id, types=[type_])]


def assert_one_clean_line(result: Result) -> str:
    assert result.code == 1, result.err
    assert "Traceback" not in result.err and len(result.err.splitlines()) == 1, result.err
    assert result.err.startswith("error: run one-call-")
    return result.out.strip()


@pytest.mark.parametrize("kind,says", [("html", "HTTP 200 with a body that is not JSON: '<!DOCTYPE html>"),
                                       ("text", "HTTP 200 with a body that is not JSON: 'upstream"),
                                       ("empty-object", "HTTP 200 with no choices: '{}'"),
                                       ("no-choices", "HTTP 200 with no choices"),
                                       ("error-object", "HTTP 200 with an error object")])
def test_a_hostile_server_fails_the_run_in_one_line_with_the_attempts_logged(tmp_path, kind, says):
    with serve_in_thread(hostile=(kind,)) as srv:
        result, url = run_against(tmp_path, srv.base_url, "--call-deadline", "1.5")
    run_id = assert_one_clean_line(result)
    assert says in result.err
    [failed] = events(url, run_id, "LLMCallFailed")
    assert failed["attempts"] >= 2 and failed["attempts"] == srv.counters.chat
    assert {a["status_code"] for a in failed["attempt_errors"]} == {200}
    assert all(says in a["error"] for a in failed["attempt_errors"])
    [run_failed] = events(url, run_id, "RunFailed")
    assert says in run_failed["reason"]


def test_a_hung_server_fails_the_run_at_the_call_deadline(tmp_path):
    with serve_in_thread(hostile=("hang",)) as srv:
        result, url = run_against(tmp_path, srv.base_url, "--call-deadline", "1")
    run_id = assert_one_clean_line(result)
    assert "request timed out; gave up: the call's 1 s deadline" in result.err
    [failed] = events(url, run_id, "LLMCallFailed")
    assert failed["attempts"] == 1 and failed["attempt_errors"][0]["error"].startswith("request timed out")
    [started] = events(url, run_id, "RunStarted")
    assert started["settings"]["call_deadline_s"] == 1.0


def test_a_closed_port_fails_the_run_after_three_connection_attempts_per_call(tmp_path):
    port = _free_port()
    two = SCENARIO.replace("  - {name: Ana", "  - {name: Bo, age: 30}\n  - {name: Ana")
    result, url = run_against(tmp_path, f"http://127.0.0.1:{port}/v1", text=two)
    run_id = assert_one_clean_line(result)
    assert f"failed after 3 attempt(s): cannot connect to 127.0.0.1:{port}; gave up: no connection in 3 attempts" \
        in result.err
    failed = events(url, run_id, "LLMCallFailed")
    assert len(failed) == 2  # every agent of the step had its turn, each call failed fast
    for call in failed:
        assert call["attempts"] == 3 and {a["status_code"] for a in call["attempt_errors"]} == {None}
    [started] = events(url, run_id, "RunStarted")
    assert started["settings"]["call_deadline_s"] == 120  # the default deadline, recorded


def test_mock_llm_serve_hostile_options():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "troupe_es", "mock-llm", "serve", "--port", str(port),
                             "--hostile", "html,error-object", "--hostile-attempts", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().strip()
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        first = httpx.post(f"{base}/chat/completions", json=body)
        assert first.status_code == 200 and (first.text.startswith("<!DOCTYPE html>") or "error" in first.json())
        second = httpx.post(f"{base}/chat/completions", json=body)  # the schedule: only the first attempt
        assert second.json()["choices"][0]["message"]["content"]
        assert httpx.get(f"http://127.0.0.1:{port}/stats").json()["hostile"] == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = troupe("mock-llm", "serve", "--hostile", "html,teapot")
    assert bad.code == 2 and "--hostile" in bad.err and "teapot" in bad.err and "Traceback" not in bad.err
