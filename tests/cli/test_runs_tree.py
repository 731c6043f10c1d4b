"""`troupe-es runs` draws the fork tree: each fork under its own parent, forks of forks under
them, with the parent's full id and the fork position (issue 9.10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import troupe_in_process
from troupe_es.projections.runs import RunRow, fork_tree

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "focus_group.yaml"


def _ok(*args: str, store: str) -> str:
    res = troupe_in_process(*args, store=store)
    assert res.code == 0, res.err
    return res.out


def _positions(run_id: str, store: str) -> list[int]:
    return [json.loads(ln)["position"] for ln in _ok("log", run_id, "--json", store=store).splitlines()]


@pytest.fixture(scope="module")
def family(tmp_path_factory) -> tuple[str, dict[str, str]]:
    """A store with a run, two forks of it, a fork of the first fork (made after the second
    fork, so start order alone would draw it under the wrong parent) and an unrelated run."""
    url = f"sqlite:///{tmp_path_factory.mktemp('tree') / 'events.db'}"
    root = _ok("run", str(EXAMPLE), "-q", store=url).strip()
    at = _positions(root, url)
    first = _ok("fork", root, "--at", str(at[20]), "-q", store=url).strip()
    second = _ok("fork", root, "--at", str(at[30]), "-q", store=url).strip()
    grandchild = _ok("fork", first, "--at", str(_positions(first, url)[40]), "-q", store=url).strip()
    other = _ok("run", str(EXAMPLE), "-q", store=url).strip()
    return url, {"root": root, "first": first, "second": second, "grandchild": grandchild, "other": other,
                 "at_first": str(at[20]), "at_second": str(at[30])}


def test_each_fork_is_drawn_under_its_own_parent_with_the_full_parent_id(family):
    url, ids = family
    lines = [ln.strip() for ln in _ok("runs", store=url).splitlines()[1:]]
    runs = [ln.lstrip("├└│─ ").split()[0] for ln in lines]
    assert runs == [ids["root"], ids["first"], ids["grandchild"], ids["second"], ids["other"]]
    assert lines[1].startswith(f"├─ {ids['first']}") and f"{ids['root']} @ {ids['at_first']}" in lines[1]
    assert lines[2].startswith(f"│  └─ {ids['grandchild']}") and f" {ids['first']} @ " in lines[2]
    assert lines[3].startswith(f"└─ {ids['second']}") and f"{ids['root']} @ {ids['at_second']}" in lines[3]
    assert lines[0].startswith(ids["root"]) and lines[4].startswith(ids["other"])


def test_runs_json_has_parent_fork_position_and_depth(family):
    url, ids = family
    rows = {r["run_id"]: r for r in json.loads(_ok("runs", "--json", store=url))}
    assert (rows[ids["root"]]["parent_run_id"], rows[ids["root"]]["fork_position"], rows[ids["root"]]["depth"]) \
        == (None, None, 0)
    assert (rows[ids["first"]]["parent_run_id"], rows[ids["first"]]["fork_position"], rows[ids["first"]]["depth"]) \
        == (ids["root"], int(ids["at_first"]), 1)
    assert (rows[ids["second"]]["parent_run_id"], rows[ids["second"]]["depth"]) == (ids["root"], 1)
    assert (rows[ids["grandchild"]]["parent_run_id"], rows[ids["grandchild"]]["depth"]) == (ids["first"], 2)
    assert rows[ids["other"]]["depth"] == 0


def test_the_tree_keeps_every_run_once_even_with_a_missing_parent_or_a_cycle():
    rows = [RunRow("a"), RunRow("b", parent_run_id="a"), RunRow("c", parent_run_id="gone"),
            RunRow("x", parent_run_id="y"), RunRow("y", parent_run_id="x"), RunRow("d", parent_run_id="b")]
    tree = [(line.row.run_id, line.depth) for line in fork_tree(rows)]
    assert tree[:4] == [("a", 0), ("b", 1), ("d", 2), ("c", 0)]
    assert len(tree) == 6 and {r for r, _ in tree} == {"a", "b", "c", "d", "x", "y"}
