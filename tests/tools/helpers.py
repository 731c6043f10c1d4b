"""Tool scenarios written to a temporary folder and run through the real CLI on the mock LLM."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cli.helpers import troupe
from troupe_es.store import open_store

SALES = """region,quarter,units,revenue
North,Q1,1200,8400.0
North,Q2,1350,9450.0
South,Q1,900,6300.0
South,Q2,870,6090.0
"""

TEST_TOOLS = '''
import time
from pathlib import Path

from pydantic import BaseModel, Field

from troupe_es.tools import Tool


class Explode(Tool):
    name = "explode"
    description = "A tool that always raises."

    class Arguments(BaseModel):
        reason: str

    class Result(BaseModel):
        ok: bool

    def run(self, args, ctx):
        raise ValueError("boom: " + args.reason)

    def examples(self, ctx):
        return [{"reason": "testing"}]


class Sleepy(Tool):
    name = "sleepy"
    description = "A tool slower than its timeout."

    class Arguments(BaseModel):
        seconds: float

    class Result(BaseModel):
        slept: float

    def run(self, args, ctx):
        time.sleep(args.seconds)
        return self.Result(slept=args.seconds)

    def examples(self, ctx):
        return [{"seconds": 3.0}]


class Strict(Tool):
    name = "strict_count"
    description = "Takes a positive count (its example is invalid)."

    class Arguments(BaseModel):
        count: int = Field(ge=1)

    class Result(BaseModel):
        count: int

    def run(self, args, ctx):
        return self.Result(count=args.count)

    def examples(self, ctx):
        return [{"count": -5}]


class Counter(Tool):
    name = "counter"
    description = "Counts its executions in a file (a side effect)."
    capabilities = frozenset({"side_effects"})

    class Arguments(BaseModel):
        note: str

    class Result(BaseModel):
        executions: int

    def run(self, args, ctx):
        path = Path(ctx.config["counter"])
        count = int(path.read_text()) + 1 if path.exists() else 1
        path.write_text(str(count))
        return self.Result(executions=count)

    def examples(self, ctx):
        return [{"note": "tick"}]


TOOLS = [Explode, Sleepy, Strict, Counter]
'''

PERSONAS = [{"name": "Ana", "age": 30, "occupation": {"title": "Analyst"}},
            {"name": "Ben", "age": 41, "occupation": {"title": "Designer"}},
            {"name": "Cleo", "age": 35, "occupation": {"title": "Manager"}}]


def scenario(tmp_path: Path, tools: dict, *, steps: int = 3, name: str = "tools-test", seed: int = 5,
             personas: list | None = None) -> str:
    """Write a scenario with ``tools`` (plus data/sales.csv, corpus/ and test_tools.py beside it)."""
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "sales.csv").write_text(SALES)
    (tmp_path / "corpus").mkdir(exist_ok=True)
    (tmp_path / "corpus" / "pricing.md").write_text("# Pricing\n\nDiscounts above 15% need approval.\n")
    (tmp_path / "corpus" / "regions.md").write_text("# Regions\n\nThe South region grew slowest.\n")
    (tmp_path / "test_tools.py").write_text(TEST_TOOLS)
    data = {"name": name, "seed": seed,
            "world": {"name": "Office", "start": "2026-03-01T09:00:00", "step": "30m"},
            "personas": personas or PERSONAS, "tools": tools,
            "script": [{"broadcast": "Let's review the quarter's sales and plan next steps."}, {"run": steps}]}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def run(path: str, store: str, *args: str) -> str:
    res = troupe("run", path, "-q", "--llm", "mock", *args, store=store, timeout=600)
    assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


def events(store: str, run_id: str, *types: str) -> list:
    with open_store(store) as s:
        return list(s.read(run_id=run_id, types=list(types) or None))


def returned(store: str, run_id: str, tool: str | None = None) -> list:
    return [r.event for r in events(store, run_id, "ToolReturned") if tool is None or r.event.tool == tool]


def replay_ok(store: str, run_id: str) -> None:
    res = troupe("replay", run_id, "--verify", store=store, timeout=600)
    assert res.code == 0, res.out + res.err
