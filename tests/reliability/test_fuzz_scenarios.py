"""Property: no scenario file, however mangled, makes ``troupe-es run`` print a traceback (issue 9.9).

Hypothesis mutates the example scenarios — keys deleted, duplicated or renamed, values retyped or
swapped, huge, negative and odd numbers, unicode and control characters, garbage bytes, truncation,
and mangled persona files — and runs each through the real entry point in this process. Every
outcome must be a completed run (exit 0), or exit 1/2 with exactly one line on stderr and no
traceback; a scenario that is refused writes no run.

``TROUPE_ES_FUZZ_EXAMPLES`` raises the number of examples (150 by default, so CI stays quick).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.helpers import troupe_in_process

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
PERSONAS = sorted((ROOT / "examples" / "personas").glob("*.json"))
MAX_EXAMPLES = int(os.environ.get("TROUPE_ES_FUZZ_EXAMPLES", "150"))
BUDGET_TOKENS = "20000"  # a valid mutation with `run: 99999999` still ends after a few dozen calls

ODD_TEXT = ["", " ", "\x00", "line\nbreak", "tab\there", "Zoë 🍜 日本語", "\u202eevil", "x" * 300, "-1",
            "99999999999999999999", "2026-02-30", "null", "~", "[", "{a: b}", "*alias", "&anchor x", "!!python/object"]
NUMBERS = [0, -1, -(2**63) - 1, 2**63, 2**64, 10**30, -(10**30), 1e308, -1e-308, float("inf"), float("nan"), 0.5, 15, 16]
RAW_VALUES = ["2026-02-30", "2026-02-30T09:00:00", "9999-12-31T23:59:59", "9999-12-31T20:00:00-05:00", "0001-01-01",
              "99999-01-01", ".nan", ".inf", "-.inf", "0x7fffffffffffffffffff", "1e999", "99999999999999999999",
              "-99999999999999999999", "1000000001", "100000000", "-1", "0", "*undefined", "&a", "!!binary x",
              "!!python/name:os.system", "!!timestamp x", "!!int x", "!!bool x", "!!map x", "!!float .x", "!!set x", "|", ">", "~", "{", "[[[[[[[[[[", '"\\ud800"', '"\\0"',
              '"a\\nb"', "3654d", "0.0001", "1ms", "x" * 300, '"' + "y" * 200 + '"']
"""Raw YAML put after a key as written: dates, numbers and tags that a YAML dumper would quote."""
values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.sampled_from(NUMBERS), st.integers(), st.floats(),
              st.sampled_from(ODD_TEXT), st.text(max_size=40)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into parsed YAML (the root excluded)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, prefix + (i,))
    return out


def _parent(data: Any, path: tuple) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def structural(draw: st.DrawFn, data: Any, workdir: Path) -> Any:
    """One change to the parsed scenario."""
    paths = _paths(data)
    if not paths:
        return draw(values)
    path = draw(st.sampled_from(paths))
    parent, last = _parent(data, path), path[-1]
    kind = draw(st.sampled_from(["delete", "retype", "swap", "rename", "number", "text", "persona"]))
    if kind == "delete":
        del parent[last]
    elif kind == "retype":
        parent[last] = draw(values)
    elif kind == "number":
        parent[last] = draw(st.sampled_from(NUMBERS) | st.integers())
    elif kind == "text":
        parent[last] = draw(st.sampled_from(ODD_TEXT) | st.text(min_size=1, max_size=300))
    elif kind == "rename" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["nme", "seed", "run", "to", "file", "personas", "1", "steps", "step"])
                    | st.text(max_size=8))] = parent.pop(last)
    elif kind == "swap":
        other = draw(st.sampled_from(paths))
        if other[:len(path)] != path and path[:len(other)] != other:
            other_parent = _parent(data, other)
            parent[last], other_parent[other[-1]] = other_parent[other[-1]], parent[last]
    elif kind == "persona":
        source = json.loads(draw(st.sampled_from(PERSONAS)).read_text(encoding="utf-8"))
        inner = draw(structural(source, workdir))
        name = f"mutated-{draw(st.integers(0, 10**9))}.agent.json"
        raw = json.dumps(inner, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")
        if draw(st.booleans()):
            cut = draw(st.integers(0, len(raw)))
            raw = raw[:cut] + draw(st.binary(max_size=8)) + raw[cut:]
        (workdir / name).write_bytes(raw)
        parent[last] = {"file": name} if draw(st.booleans()) else name
    return data


@st.composite
def mangled_scenario(draw: st.DrawFn, workdir: Path) -> bytes:
    """The bytes of an example scenario after a few structural and textual mutations."""
    base = draw(st.sampled_from(EXAMPLES))
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(0, 3))):
        data = draw(structural(data, workdir))
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False) if draw(st.booleans()) else \
        base.read_text(encoding="utf-8")
    raw = text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 2))):
        lines = raw.splitlines(keepends=True) or [b""]
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["raw value", "raw value", "garbage", "truncate", "duplicate line",
                                     "delete line", "indent"]))
        if kind == "raw value":
            keyed = [i for i, line in enumerate(lines) if b": " in line]
            if keyed:
                i = draw(st.sampled_from(keyed))
                key = lines[i].split(b": ", 1)[0]
                lines[i] = key + b": " + draw(st.sampled_from(RAW_VALUES)).encode("utf-8") + b"\n"
                raw = b"".join(lines)
        elif kind == "garbage":
            cut = draw(st.integers(0, len(raw)))
            raw = raw[:cut] + draw(st.binary(min_size=1, max_size=16)) + raw[cut:]
        elif kind == "truncate":
            raw = raw[:draw(st.integers(0, len(raw)))]
        elif kind == "duplicate line":
            raw = b"".join(lines[:at + 1] + lines[at:])
        elif kind == "delete line":
            raw = b"".join(lines[:at] + lines[at + 1:])
        else:
            raw = b"".join(lines[:at] + [b"  " + lines[at]] + lines[at + 1:])
    return raw


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A copy of examples/ (the scenarios' persona paths resolve in it) and its SQLite store."""
    d = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT / "examples", d, dirs_exist_ok=True)
    return d


def _runs(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'troupe_events'").fetchone():
            return 0
        return conn.execute("SELECT COUNT(DISTINCT run_id) FROM troupe_events").fetchone()[0]


TRIED: list[int] = []


@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_a_mangled_scenario_never_prints_a_traceback(workdir, data):
    raw = data.draw(mangled_scenario(workdir))
    scenario = workdir / f"fuzz-{len(TRIED)}.yaml"
    scenario.write_bytes(raw)
    db = workdir / "events.db"
    before = _runs(db)
    res = troupe_in_process("run", str(scenario), "--llm", "mock", "--budget-tokens", BUDGET_TOKENS,
                            store=f"sqlite:///{db}")
    TRIED.append(res.code if res.code is not None else -1)
    assert res.code is not None and "Traceback" not in res.err, res.err
    if res.code == 0:
        assert _runs(db) == before + 1
        return
    lines = [ln for ln in res.err.splitlines() if ln.strip()]
    assert res.code in (1, 2) and len(lines) == 1, res.err
    failed_run = lines[0].startswith("error: run ")  # a valid scenario whose run failed: it is recorded
    assert _runs(db) == before + failed_run, lines[0]
    scenario.unlink()


def test_the_fuzzer_tried_what_it_was_asked_to(workdir):
    """Runs after the property (file order); reports how many inputs were tried and their outcomes."""
    if not TRIED:
        pytest.skip("the property did not run in this session")
    outcomes = {code: TRIED.count(code) for code in sorted(set(TRIED))}
    print(f"\nfuzzed {len(TRIED)} scenario files: exit codes {outcomes}, tracebacks {TRIED.count(-1)}")
    assert len(TRIED) >= min(MAX_EXAMPLES, 50) and TRIED.count(-1) == 0
