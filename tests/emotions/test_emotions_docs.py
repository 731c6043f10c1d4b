"""docs/emotions.md documents every setting of the ``emotions:`` section with its default."""

from __future__ import annotations

import re
from pathlib import Path

from troupe_es.scenario.emotions import EmotionsSpec

DOC = Path(__file__).resolve().parents[2] / "docs" / "emotions.md"


def test_every_setting_is_documented_with_its_default():
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| ([^|]+) \|", DOC.read_text(), re.M)}
    assert set(rows) == set(EmotionsSpec.model_fields)
    for name, field in EmotionsSpec.model_fields.items():
        default = field.get_default()
        shown = f"`{str(default).lower()}`" if isinstance(default, bool) else f"`{default}`"
        assert rows[name].strip() == shown, (name, rows[name], shown)


def test_the_documented_octant_names_are_the_models():
    from troupe_es.domain.emotions import OCTANTS

    text = DOC.read_text()
    for name in OCTANTS.values():
        assert f"{name} (" in text, name
