"""The tools example scenario runs on the mock LLM, replays verified, and its documents export."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import troupe
from tests.memory.helpers import events
from tests.tools.helpers import replay_ok, returned, run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "tools" / "sales_office.yaml"
DICE = ROOT / "examples" / "tools" / "dice_tool.py"


def test_the_example_uses_email_database_and_word_processor_and_replays(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    run_id = run(str(EXAMPLE), store)
    ok = {e.tool for e in returned(store, run_id) if e.ok}
    assert {"email_send", "database_query", "document_write"} <= ok
    changes = [r.event for r in events(store, run_id, "EmotionChanged") if r.event.reason == "appraisal"]
    assert {e.agent for e in changes} == {"Maya Chen", "Tom Okoro"}  # the example shows emotion changes too
    replay_ok(store, run_id)
    out = tmp_path / "docs"
    assert troupe("export", run_id, "--documents", str(out), store=store).code == 0
    assert list(out.glob("*.md"))


def test_the_example_tool_is_thirty_lines_and_listed_with_the_scenario():
    code = [ln for ln in DICE.read_text().splitlines() if ln.strip()]
    assert len(code) <= 30
    res = troupe("tools", "--scenario", str(EXAMPLE))
    assert res.code == 0, res.err
    assert "roll_dice" in res.out and "search_then_memo" in res.out
