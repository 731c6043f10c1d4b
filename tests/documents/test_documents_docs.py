"""docs/documents.md documents every setting of the ``documents:`` section with its default, and
the prompt section keeps its promises."""

from __future__ import annotations

import re
from pathlib import Path

from troupe_es.commands.documents.recall import document_section
from troupe_es.domain.documents import DocumentChunk
from troupe_es.scenario.documents import DocumentsSpec, PersonaDocuments

DOC = Path(__file__).resolve().parents[2] / "docs" / "documents.md"


def _shown(default: object) -> str:
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`".replace("`{}`", "`{}`")


def test_every_setting_is_documented_with_its_default() -> None:
    rows = {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `(\w+)` \| ([^|]+) \|", DOC.read_text(), re.M)}
    for name, field in DocumentsSpec.model_fields.items():
        assert name in rows, f"{name} is not documented"
        assert rows[name] == _shown(field.get_default(call_default_factory=True)), (name, rows[name])
    text = DOC.read_text()
    for name in PersonaDocuments.model_fields:
        assert f"`{name}`" in text


def test_the_best_chunk_always_shows_and_the_rest_fit_the_budget() -> None:
    chunks = [DocumentChunk(f"doc:x:{i}", None, "a.md", "A", i, 3, "word " * 200) for i in range(3)]
    lines, shown = document_section([(c, 0.5) for c in chunks], 50, grounded=False)
    assert shown == 1 and lines[0] == "From your documents (most relevant first):"
    assert lines[1].startswith("- [A — a.md#0] word")
    _, shown = document_section([(c, 0.5) for c in chunks], 10_000, grounded=False)
    assert shown == 3
