"""The README's Quickstart promise: exactly two set-up lines, and CI runs the test one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quickstart_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "no bash block under Quickstart"
    return [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.strip().startswith("#")]


def test_quickstart_has_exactly_two_lines():
    lines = _quickstart_lines()
    assert len(lines) == 2
    assert "pytest" in lines[1] and "pytest" not in lines[0]
    assert lines[0].startswith("python3 -m venv .venv") and lines[1].startswith("python3 -m venv .venv")


def test_ci_runs_the_readme_test_line():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _quickstart_lines()[1] in ci.splitlines()
    assert "TROUPE_ES_TEST_PG" in ci and "pg_ctlcluster" in ci
