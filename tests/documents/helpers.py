"""Document scenarios written to a temporary folder and run through the real CLI."""

from __future__ import annotations

from pathlib import Path

import yaml

BRIEF = """# Acme Kettle brief

The Acme Kettle boils one litre of water in 90 seconds. It is made of brushed steel.

## Pricing

The launch price of the Acme Kettle is 79 euros, and it ships on 14 May.

## Audience

Busy professionals living in small flats who care about design.
"""

NOTES = "Ana's private notes: the supplier in Porto guarantees a five year warranty on the heating element.\n"


def write_scenario(tmp_path: Path, *, documents=None, personas=None, script=None, memory=None,
                   name: str = "docs-test") -> str:
    """A two-person scenario next to ``brief.md`` and ``notes.txt``; returns its path."""
    (tmp_path / "brief.md").write_text(BRIEF)
    (tmp_path / "notes.txt").write_text(NOTES)
    data = {"name": name, "seed": 5, "world": {"name": "Room", "start": "2026-03-01T09:00:00", "step": "15m"},
            "personas": personas or [{"name": "Ana", "age": 30, "occupation": {"title": "Engineer"}},
                                     {"name": "Ben", "age": 41, "occupation": {"title": "Designer"}}],
            "script": script or [{"broadcast": "What is the launch price of the Acme Kettle?"}, {"run": 1}]}
    if documents is not None:
        data["documents"] = documents
    if memory is not None:
        data["memory"] = memory
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)
