"""Schedule scenarios written to a temporary folder and run in-process through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.cli.helpers import troupe_in_process
from troupe_es.store import open_store

PEOPLE = [{"name": "Ana", "age": 30, "occupation": {"title": "Engineer"}},
          {"name": "Ben", "age": 41, "occupation": {"title": "Designer"}}]


def scenario(tmp_path: Path, *, script: list, schedule: list | None = None, world: dict | None = None,
             name: str = "schedule-test", personas: list | None = None, **extra: Any) -> str:
    """Write a scenario (two people by default, hourly steps from Sunday 2026-03-01 09:00)."""
    data: dict[str, Any] = {"name": name, "seed": 5,
                            "world": {"name": "Office", "start": "2026-03-01T09:00:00", "step": "1h", **(world or {})},
                            "personas": personas or PEOPLE, "script": script, **extra}
    if schedule is not None:
        data["schedule"] = schedule
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def run(path: str, store: str, *args: str) -> str:
    """``troupe-es run`` (mock LLM) and the new run id."""
    res = troupe_in_process("run", path, "-q", *args, store=store)
    assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


def events(store: str, run_id: str, *types: str) -> list:
    with open_store(store) as s:
        return list(s.read(run_id=run_id, types=list(types) or None))


def hashes(store: str, run_id: str) -> list[str]:
    return [r.content_hash for r in events(store, run_id)]


def replay_verified(store: str, run_id: str) -> dict:
    res = troupe_in_process("replay", run_id, "--verify", "--json", store=store)
    assert res.code == 0, res.out + res.err
    report = json.loads(res.out)
    assert report["ok"] and report["verified"]
    return report


def crash_everywhere(plan, facts, step: int = 1) -> int:  # noqa: ANN001
    """Crash ``plan`` after every ``step``-th committed event, resume each run, and check that it
    completes with the same ``facts(store, run_id)`` as the uncrashed run and replays verified.
    Returns how many crashes were tried."""
    from tests.reliability.test_resume_everywhere import _crashing_run as crashing_run
    from troupe_es.api.replay import replay_run
    from troupe_es.api.resume import resume_on, runtime_settings, stopped_run
    from troupe_es.bootstrap import make_gateway
    from troupe_es.store import open_store

    store = open_store("memory://")
    assert not crashing_run(store, plan, "whole", 10**9, 1)
    expected = facts(store, "whole")
    total = sum(1 for _ in store.read(run_id="whole"))
    tried = 0
    for n in range(1, total, step):
        run_id = f"crash-{n}"
        assert crashing_run(store, plan, run_id, n, 1)
        run = stopped_run(store, run_id)
        outcome, _ = resume_on(store, run, gateway=make_gateway(store, llm="mock", model=plan.model),
                               settings=runtime_settings(run, parallel=1))
        assert outcome.status == "completed", (n, outcome.error)
        assert facts(store, run_id) == expected, n
        report = replay_run(store, run_id, verify=True)
        assert report.ok, (n, report.difference.diff if report.difference else report.divergence)
        tried += 1
    return tried
