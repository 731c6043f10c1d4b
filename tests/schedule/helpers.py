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
