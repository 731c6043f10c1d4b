"""docs/memory.md explains every knob of the ``memory:`` section with its default."""

from __future__ import annotations

import re
from pathlib import Path

from troupe_es.scenario.model import MemorySpec

DOC = Path(__file__).resolve().parents[2] / "docs" / "memory.md"


def test_every_knob_is_documented_with_its_default():
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| ([^|]+) \|", DOC.read_text(), re.M)}
    for name, field in MemorySpec.model_fields.items():
        assert name in rows, f"{name} is not documented"
        default = field.get_default(call_default_factory=True)
        if default is None:
            shown = "none"
        elif isinstance(default, bool):
            shown = f"`{str(default).lower()}`"
        else:
            shown = f"`{default}`"
        assert rows[name].strip() == shown, (name, rows[name], shown)
