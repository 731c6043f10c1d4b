"""The ``examples/product-brief`` scenario runs on the mock LLM and replays verified; its PDF is
the one ``make_pdf.py`` writes."""

from __future__ import annotations

import runpy
from pathlib import Path

from tests.cli.helpers import troupe
from tests.memory.helpers import events, run

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "product-brief"


def test_the_product_brief_example_runs_and_replays_verified(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    run_id = run(str(EXAMPLE / "product_brief.yaml"), store)
    chunks = [r.event for r in events(store, run_id, "DocumentChunkIngested")]
    assert {c.source for c in chunks} == {"brief.md", "brief.pdf"} and all(c.agent is None for c in chunks)
    assert any("45 days" in c.text for c in chunks if c.source == "brief.pdf")  # read through pypdf
    grounded = [r.event for r in events(store, run_id, "GroundingChanged")]
    assert [(g.agent, g.grounded) for g in grounded] == [("Mei Tanaka", True)]
    asked = [r.event for r in events(store, run_id, "MemoriesRecalled")
             if r.event.agent == "Mei Tanaka" and "battery" in r.event.query]
    assert asked and asked[0].citations[0].startswith("brief.pdf#")  # the battery fact is in the PDF only
    res = troupe("replay", run_id, "--verify", store=store)
    assert res.code == 0 and "verified" in res.out, res.out + res.err


def test_the_committed_pdf_is_what_make_pdf_writes(tmp_path: Path) -> None:
    module = runpy.run_path(str(EXAMPLE / "make_pdf.py"))
    again = module["write_pdf"](tmp_path / "brief.pdf", [module["BRIEF_PDF"]], title="Nimbus Bottle technical sheet")
    assert again.read_bytes() == (EXAMPLE / "brief.pdf").read_bytes()
