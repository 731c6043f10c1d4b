"""Each core tool end to end: a scenario on the mock LLM (which fills tool calls from the
prompt's examples), the results recorded, perceived and folded, the run replayed verified."""

from __future__ import annotations

import json

from tests.cli.helpers import troupe
from tests.tools.helpers import events, replay_ok, returned, run, scenario


def test_email_is_delivered_to_the_recipient_as_a_stimulus_and_forms_mailboxes(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    run_id = run(scenario(tmp_path, {"email": {}}, steps=4), store)
    sent = [e for e in returned(store, run_id, "email_send") if e.ok]
    assert sent, "the mock made no email_send call"
    stimuli = [r.event for r in events(store, run_id, "StimulusPerceived")]
    first = sent[0]
    delivered = [s for s in stimuli if s.agent == first.result["delivered_to"] and first.result["message_id"] in s.content]
    assert delivered and delivered[0].source == f"email from {first.agent}"
    assert any(s.agent == first.agent and s.source == "tool email_send" for s in stimuli)
    from troupe_es.projections.tools import mailboxes, tools_state
    from troupe_es.store import open_store

    with open_store(store) as s:
        boxes = mailboxes(tools_state(s, run_id))
    assert first.result["message_id"] in [m["message_id"] for m in boxes[first.result["delivered_to"]]["inbox"]]
    replay_ok(store, run_id)


def test_database_tool_returns_rows_from_the_declared_csv(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    run_id = run(scenario(tmp_path, {"database": {"datasets": {"sales": "data/sales.csv"}, "row_limit": 3}}), store)
    ok = [e for e in returned(store, run_id, "database_query") if e.ok]
    assert ok, "the mock made no database_query call"
    assert ok[0].result["columns"] == ["region", "quarter", "units", "revenue"]
    assert ok[0].result["row_count"] == 3 and ok[0].result["truncated"] is True  # the row limit cut 4 rows
    replay_ok(store, run_id)


def test_web_search_results_carry_document_and_chunk_ids(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    run_id = run(scenario(tmp_path, {"web_search": {"search_corpus": "corpus", "embedder": "hash"}}), store)
    ok = [e for e in returned(store, run_id, "web_search") if e.ok]
    assert ok, "the mock made no web_search call"
    hit = ok[0].result["results"][0]
    assert hit["document_id"] in ("pricing.md", "regions.md") and hit["chunk_id"].startswith(hit["document_id"] + "#")
    started = events(store, run_id, "RunStarted")[0].event
    assert [d["document_id"] for d in started.scenario["tools"]["web_search"]["documents"]] == ["pricing.md",
                                                                                              "regions.md"]
    replay_ok(store, run_id)


def test_calendar_appointments_are_created_sent_to_attendees_and_fire_through_the_scheduler(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    run_id = run(scenario(tmp_path, {"calendar": {}}, steps=5), store)
    created = [e for e in returned(store, run_id, "calendar_create") if e.ok]
    assert created, "the mock made no calendar_create call"
    from troupe_es.projections.tools import calendars, tools_state
    from troupe_es.store import open_store

    with open_store(store) as s:
        cal = calendars(tools_state(s, run_id))
    first = created[0]
    assert first.result["appointment_id"] in [a["appointment_id"] for a in cal[first.agent]]
    scheduled = [r.event for r in events(store, run_id, "EventScheduled") if r.event.kind == "calendar"]
    assert first.result["appointment_id"] in [e.schedule_id for e in scheduled]
    fired = [r for r in events(store, run_id, "ScheduledEventFired")
             if r.event.schedule_id == first.result["appointment_id"]]
    assert fired, "the reminder did not fire through the scheduler"
    assert fired[0].sim_time.isoformat().startswith(first.result["start"][:16])
    reminders = [r.event for r in events(store, run_id, "StimulusPerceived")
                 if r.event.source == "calendar" and r.position > fired[0].position]
    assert first.agent in [s.agent for s in reminders] and "Reminder:" in reminders[0].content
    replay_ok(store, run_id)


def test_word_processor_documents_export_as_markdown(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    run_id = run(scenario(tmp_path, {"word_processor": {}}, steps=4), store)
    written = [e for e in returned(store, run_id, "document_write") if e.ok]
    assert written, "the mock made no document_write call"
    out = tmp_path / "docs"
    res = troupe("export", run_id, "--documents", str(out), store=store)
    assert res.code == 0, res.err
    files = sorted(out.glob("*.md"))
    assert len(files) == len(written)
    text = files[0].read_text()
    assert text.startswith("# ") and "_By " in text
    replay_ok(store, run_id)


def test_parallel_8_gives_the_same_content_hashes_as_parallel_1(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    tools = {"email": {}, "database": {"datasets": {"sales": "data/sales.csv"}}, "word_processor": {},
             "calendar": {}, "custom": {"dice": {"module": "test_tools.py", "timeout": "1s",
                                                 "options": {"counter": str(tmp_path / "count.txt")}}}}
    path = scenario(tmp_path, tools, steps=3)
    one = run(path, store, "--parallel", "1")
    eight = run(path, store, "--parallel", "8")
    assert returned(store, one), "no tool was called"
    a = [r.content_hash for r in events(store, one)]
    b = [r.content_hash for r in events(store, eight)]
    assert a == b


def test_tools_command_lists_every_tool_with_its_argument_schema(tmp_path):
    res = troupe("tools", "--json")
    assert res.code == 0, res.err
    tools = {t["name"]: t for t in json.loads(res.out)["tools"]}
    assert {"email_send", "email_reply", "email_list", "email_read", "web_search", "database_query",
            "calendar_create", "calendar_list", "document_write", "document_revise", "document_list"} <= set(tools)
    assert tools["database_query"]["arguments"]["required"] == ["sql"]
    assert tools["email_send"]["capabilities"] == ["mailbox"]
    text = troupe("tools")
    assert text.code == 0 and "email_send" in text.out


def test_web_search_also_searches_the_scenarios_documents(tmp_path):
    import yaml

    store = f"sqlite:///{tmp_path}/t.db"
    path = scenario(tmp_path, {"web_search": {"embedder": "hash"}})
    (tmp_path / "brief.md").write_text("# Nimbus brief\n\nThe Nimbus bottle costs 39 euros at launch.\n")
    data = yaml.safe_load(open(path))
    data["documents"] = {"paths": ["brief.md"]}
    open(path, "w").write(yaml.safe_dump(data, sort_keys=False))
    run_id = run(path, store)
    ok = [e for e in returned(store, run_id, "web_search") if e.ok]
    assert ok, "the mock made no web_search call"
    ingested = {r.event.chunk_id for r in events(store, run_id, "DocumentChunkIngested")}
    assert ok[0].result["results"][0]["chunk_id"] in ingested
    assert ok[0].result["results"][0]["document_id"] == "brief.md"
    replay_ok(store, run_id)
