"""`troupe-es export` and the polars analytics over the log."""

from __future__ import annotations

import json

import polars as pl

from troupe_es.projections.analytics import actions_per_agent, event_counts, events_frame, poll_results
from tests.cli.helpers import troupe
from tests.cli.test_log_runs_verify import recorded  # noqa: F401 - fixture
from troupe_es.events import ActionTaken, NewEvent, PollAnswered
from troupe_es.store import open_store


def test_export_jsonl_and_parquet(recorded, tmp_path):  # noqa: F811
    out = tmp_path / "run.jsonl"
    res = troupe("export", "run-alpha", "--format", "jsonl", "--out", str(out), store=recorded)
    assert res.code == 0, res.err
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["type"] for x in lines][-1] == "RunCompleted" and len(lines) == 5
    pq = tmp_path / "run.parquet"
    res = troupe("export", "run-alpha", "--format", "parquet", "--out", str(pq), store=recorded)
    assert res.code == 0, res.err
    frame = pl.read_parquet(pq)
    assert frame.height == 5 and frame["position"].to_list() == [1, 2, 3, 4, 5]
    assert json.loads(frame.filter(pl.col("type") == "ActionTaken")["payload"][0])["content"] == "Oats, always."


def test_analytics_are_lazy_frames_over_the_log(recorded):  # noqa: F811
    with open_store(recorded) as store:
        store.append("run-beta", [  # run-alpha is completed (sealed): run-beta is still open
            NewEvent("agent/Oscar", ActionTaken(agent="Oscar", action="TALK", content="three words here")),
            NewEvent("agent/Oscar", PollAnswered(poll="poll-1", agent="Oscar", question="q", choice="B",
                                                 reason="r")),
        ])
        alpha, beta = events_frame(store, "run-alpha"), events_frame(store, "run-beta")
        assert isinstance(alpha, pl.LazyFrame)
        per_agent = {r["agent"]: r for r in actions_per_agent(alpha).collect().to_dicts()}
        assert per_agent["Lisa"]["talk"] == 1 and per_agent["Lisa"]["words_spoken"] == 2
        per_agent = {r["agent"]: r for r in actions_per_agent(beta).collect().to_dicts()}
        assert per_agent["Oscar"]["words_spoken"] == 3 and per_agent["Oscar"]["talk"] == 1
        assert poll_results(beta).collect()["choice"].to_list() == ["B"]
        counts = {r["type"]: r["events"] for r in event_counts(beta).collect().to_dicts()}
        assert counts["ActionTaken"] == 2 and counts["RunStarted"] == 1
