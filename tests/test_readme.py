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


def _command_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Command line\n\n```\n(.*?)```", text, re.S)
    assert block, "no code block under Command line"
    commands: list[str] = []
    for line in block.group(1).splitlines():
        if line.startswith("troupe-es "):
            commands.append(line)
        elif commands and line.startswith(" "):
            commands[-1] += " " + line.strip()
    return commands


def test_every_command_and_option_in_the_readme_exists():
    """Each command of the README's Command line block answers --help and knows every option the
    README gives it (``tools | emotions`` style alternatives are split)."""
    from click.testing import CliRunner

    from troupe_es.cli import cli

    runner = CliRunner()
    checked = 0
    for line in _command_lines():
        words = line.split()[1:]
        group = [w for w in words[:2] if re.fullmatch(r"[a-z][a-z-]*", w)]
        path = group[:1] if group[0] not in ("mock-llm",) else group[:2]
        if path[0] == "projections":
            path = ["projections"]
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, f"{line}: {result.output}"
        for option in set(re.findall(r"(--[a-z][a-z-]*)", line)):
            if option in ("--store", "--init-store"):
                continue
            assert option in result.output, f"README: `{line}` names {option}, which `{' '.join(path)}` lacks"
        checked += 1
    assert checked >= 20
