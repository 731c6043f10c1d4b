"""The import direction of DESIGN §2, enforced by walking every module's AST."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPOSERS = {"troupe_es.bootstrap", "troupe_es.api"}


def _module_name(path: Path) -> str:
    """The installed module name: commands/ and projections/ install inside ``troupe_es``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    if parts[0] in ("commands", "projections"):
        parts.insert(0, "troupe_es")
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _top(name: str) -> str:
    """The layer a module belongs to: ``commands``, ``projections`` or its top-level package."""
    parts = name.split(".")
    if parts[0] == "troupe_es" and len(parts) > 1 and parts[1] in ("commands", "projections"):
        return parts[1]
    return parts[0]


def _is_composer(module: str) -> bool:
    return module in COMPOSERS or any(module.startswith(f"{pkg}.") for pkg in ("troupe_es.cli", "troupe_es.api")) \
        or module == "troupe_es.cli"


def test_kernel_imports_neither_commands_nor_projections():
    offenders = []
    for path in (ROOT / "troupe_es").rglob("*.py"):
        module = _module_name(path)
        if _is_composer(module):
            continue
        bad = {i for i in _imports(path) if _top(i) in ("commands", "projections")}
        if bad:
            offenders.append(f"{module} imports {sorted(bad)}")
    assert offenders == []


def test_projections_never_import_commands():
    offenders = []
    for path in (ROOT / "projections").rglob("*.py"):
        bad = {i for i in _imports(path) if _top(i) == "commands"}
        if bad:
            offenders.append(f"{_module_name(path)} imports {sorted(bad)}")
    assert offenders == []


def test_commands_never_import_projections():
    offenders = []
    for path in (ROOT / "commands").rglob("*.py"):
        bad = {i for i in _imports(path) if _top(i) == "projections"}
        if bad:
            offenders.append(f"{_module_name(path)} imports {sorted(bad)}")
    assert offenders == []


def test_walker_sees_imports(tmp_path):
    """The checker itself can fail: it finds both import forms."""
    probe = tmp_path / "probe.py"
    probe.write_text("import troupe_es.projections.runs\nfrom troupe_es.commands.turn import x\n",
                     encoding="utf-8")
    found = _imports(probe)
    assert {"troupe_es.projections.runs", "troupe_es.commands.turn"} <= found
    assert {_top(name) for name in found} == {"projections", "commands"}


HEAVY = ("pyarrow", "httpx", "openai", "polars", "lancedb", "sqlalchemy", "pydantic", "numpy", "fastapi")
"""Libraries that `--help` must not import (DESIGN §2, house style: imported lazily)."""


def _help_imports(argv: list[str], prelude: str = "") -> tuple[str, list[str]]:
    """The help text of ``troupe-es ARGV`` and the heavy libraries loaded to print it (after
    running ``prelude``)."""
    code = (
        f"import sys\n{prelude}\n"
        "from troupe_es.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    heavy = out.rsplit("HEAVY=", 1)[1].strip()
    return out, [m for m in heavy.split(",") if m]


def test_help_imports_no_heavy_library():
    out, heavy = _help_imports(["--help"])
    assert "Commands:" in out
    assert heavy == []


def test_every_subcommand_help_imports_no_heavy_library():
    from troupe_es.cli import COMMANDS

    loaded = {}
    for name in COMMANDS:
        out, heavy = _help_imports([name, "--help"])
        assert f"Usage: troupe-es {name}" in out
        if heavy:
            loaded[name] = heavy
    assert loaded == {}


def test_the_help_check_sees_a_heavy_import():
    """The checker itself can fail: a library loaded on the way to the help shows up."""
    out, heavy = _help_imports(["--help"], prelude="import numpy, httpx")
    assert "Commands:" in out and heavy == ["httpx", "numpy"]
