"""docs/architecture.md cannot rot: every file, folder and module (or attribute) it names exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
TOP = ("troupe_es/", "commands/", "projections/", "tests/", "docs/", "benchmarks/", "examples/")
PACKAGE_DIRS = {"troupe_es.commands": ROOT / "commands", "troupe_es.projections": ROOT / "projections"}


def named_paths(text: str) -> set[str]:
    """Backticked repository paths (``troupe_es/...``, ``tests/...``): a ``<area>`` placeholder
    stands for any name, so only the folder before it must exist."""
    found = set()
    for token in re.findall(r"`([^`\s]+)`", text):
        if token.startswith(TOP):
            found.add(token.split("<", 1)[0])
    return found


def named_modules(text: str) -> set[str]:
    """Backticked dotted names under ``troupe_es`` (modules, or attributes of modules)."""
    return {t for t in re.findall(r"`(troupe_es(?:\.[A-Za-z_][A-Za-z0-9_]*)+)`", text)}


def _module_file(parts: list[str]) -> Path | None:
    name = ".".join(parts)
    for package, folder in PACKAGE_DIRS.items():
        if name == package or name.startswith(package + "."):
            base = folder.joinpath(*parts[2:])
            break
    else:
        base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def problem(name: str) -> str | None:
    """Why a dotted name does not resolve (None when it does): the longest prefix that is a
    module file must exist, and the rest must be attributes of it."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        if _module_file(parts[:cut]) is not None:
            obj = importlib.import_module(".".join(parts[:cut]))
            for attr in parts[cut:]:
                if not hasattr(obj, attr):
                    return f"{'.'.join(parts[:cut])} has no attribute {attr!r} (in {name})"
                obj = getattr(obj, attr)
            return None
    return f"no module file for {name}"


def missing(text: str) -> list[str]:
    out = [f"no file or folder {p}" for p in sorted(named_paths(text)) if not (ROOT / p).exists()]
    out += [p for p in (problem(m) for m in sorted(named_modules(text))) if p]
    return out


def test_every_path_and_module_in_the_architecture_doc_exists():
    text = DOC.read_text(encoding="utf-8")
    assert len(named_paths(text)) >= 30 and len(named_modules(text)) >= 30, "the checker found too little"
    assert missing(text) == []


def test_the_checker_reports_what_does_not_exist():
    text = ("`troupe_es/store/gone.py` `commands/<area>.py` `troupe_es.commands.step.no_such_thing` "
            "`troupe_es.nowhere.module` `troupe_es.runtime.MessageBus.record` `projections/runs.py`")
    assert missing(text) == [
        "no file or folder troupe_es/store/gone.py",
        "troupe_es.commands.step has no attribute 'no_such_thing' (in troupe_es.commands.step.no_such_thing)",
        "troupe_es has no attribute 'nowhere' (in troupe_es.nowhere.module)",
    ]


def test_the_docs_never_point_outside_the_repository():
    text = DOC.read_text(encoding="utf-8")
    assert "../" not in text and "shared/DESIGN" not in text
