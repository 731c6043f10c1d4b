"""Issue 11's grounding example, end to end: a panel reads a product brief (documents), looks at
the packaging (an image), and what it says and reads becomes a knowledge graph, all replayed with
zero LLM calls."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import troupe
from tests.memory.helpers import events, run

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "product-brief" / "product_concept.yaml"


def test_the_product_concept_example_reads_looks_builds_a_graph_and_replays(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    run_id = run(str(EXAMPLE), store)
    chunks = [r.event for r in events(store, run_id, "DocumentChunkIngested")]
    assert {c.source for c in chunks} == {"brief.md", "brief.pdf"}
    described = [r.event for r in events(store, run_id, "ImageDescribed")]
    assert len(described) == 1 and "pixels" in described[0].description  # one vision call for everyone
    cited = [c for r in events(store, run_id, "MemoriesRecalled") for c in r.event.citations]
    assert any(c.startswith(("brief.md#", "brief.pdf#")) for c in cited)
    facts = events(store, run_id, "FactsExtracted")
    assert facts and any(r.event.facts for r in facts)

    now = json.loads(troupe("graph", run_id, "--json", store=store).out)
    assert now["edges"] and now["nodes"]
    before = json.loads(troupe("graph", run_id, "--at", str(facts[0].position - 1), "--json", store=store).out)
    assert before["edges"] == []  # time travel: nothing was known before the first extraction

    res = troupe("replay", run_id, "--verify", store=store)
    assert res.code == 0 and "verified" in res.out, res.out + res.err
