"""Memory scenarios written to a temporary folder and run through the real CLI."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cli.helpers import troupe
from troupe_es.store import open_store


def scenario(tmp_path: Path, *, memory: dict | None, script: list, name: str = "memory-test",
             personas: list | None = None) -> str:
    """Write a two-person scenario with ``memory`` settings; returns its path."""
    data = {"name": name, "seed": 11, "world": {"name": "Office", "start": "2026-03-01T09:00:00", "step": "15m"},
            "personas": personas or [{"name": "Ana", "age": 30, "occupation": {"title": "Engineer"}},
                                     {"name": "Ben", "age": 41, "occupation": {"title": "Designer"}}],
            "script": script}
    if memory is not None:
        data["memory"] = memory
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def run(path: str, store: str, *args: str) -> str:
    """``troupe-es run`` and the new run id."""
    res = troupe("run", path, "-q", *args, store=store, timeout=600)
    assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


def events(store: str, run_id: str, *types: str) -> list:
    with open_store(store) as s:
        return list(s.read(run_id=run_id, types=list(types) or None))
