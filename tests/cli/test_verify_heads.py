"""`troupe-es verify` with heads kept elsewhere, signed stores, and a key that never leaks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.helpers import troupe
from troupe_es.events import ActionTaken, NewEvent, RunCompleted, RunStarted
from troupe_es.store import open_store
from troupe_es.store.heads import KEY_ENV

SCENARIO = str(Path(__file__).resolve().parents[2] / "examples" / "focus_group.yaml")
SECRET = "sk-DISTINCTIVE-signing-key-4242"


def _append(url: str, run: str, *texts: str) -> None:
    with open_store(url) as store:
        store.append(run, [NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content=t)) for t in texts])


def _copy(source: str, target: str) -> None:
    """Copy a SQLite database whole (WAL included) with the backup API."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def test_exported_heads_accept_growth_and_name_missing_shorter_and_different_runs(sqlite_url, tmp_path):
    path = sqlite_url.removeprefix("sqlite:///")
    _append(sqlite_url, "a", "a1", "a2")
    _append(sqlite_url, "b", "b1")
    _copy(path, str(tmp_path / "backup.db"))
    _append(sqlite_url, "a", "a3", "a4")
    _append(sqlite_url, "b", "b2")
    _append(sqlite_url, "c", "c1")
    kept = tmp_path / "heads.json"
    res = troupe("verify", "--export-heads", str(kept), store=sqlite_url)
    assert res.code == 0 and f"heads of 3 run(s) written to {kept}" in res.out
    document = json.loads(kept.read_text())
    assert [(r["run_id"], r["events"], r["last_position"], r["mode"]) for r in document["runs"]] == \
        [("a", 4, 5, "plain"), ("b", 2, 6, "plain"), ("c", 1, 7, "plain")]
    _append(sqlite_url, "a", "a5")  # an open run may grow after the export
    assert troupe("verify", "--against", str(kept), store=sqlite_url).code == 0
    _copy(str(tmp_path / "backup.db"), path)  # roll the whole database back...
    _append(sqlite_url, "b", "b2, but different")  # ...and write another history
    assert troupe("verify", store=sqlite_url).code == 0, "a consistent older state verifies on its own"
    res = troupe("verify", "--against", str(kept), store=sqlite_url)
    assert res.code == 3
    assert "run a is shorter than exported: 2 events up to position 2, exported with 4 events up to position 5" \
        in res.err
    assert "run b differs from the exported heads: its chain does not pass through the exported last chain " \
        "hash at position 6" in res.err
    assert "run c is missing (exported with 1 event up to position 7)" in res.err
    only_a = troupe("verify", "a", "--against", str(kept), "--json", store=sqlite_url)
    report = json.loads(only_a.out)
    assert only_a.code == 3 and [p["run_id"] for p in report["problems"]] == ["a"]


def test_a_sealed_run_that_grew_since_the_export_is_named(sqlite_url, tmp_path):
    with open_store(sqlite_url) as store:
        store.append("done", [NewEvent("run", RunStarted(scenario_name="s", seed=1, package_version="0")),
                              NewEvent("run", RunCompleted(steps=0))])
    kept = tmp_path / "heads.json"
    assert troupe("verify", "--export-heads", str(kept), store=sqlite_url).code == 0
    document = json.loads(kept.read_text())
    assert document["runs"][0]["sealed"] is True
    document["runs"][0]["events"] = 1  # as if the run had been sealed at its first event
    document["runs"][0]["last_position"] = 1
    with open_store(sqlite_url) as store:
        document["runs"][0]["last_chain"] = next(store.iter_rows()).chain_hash
    kept.write_text(json.dumps(document))
    res = troupe("verify", "--against", str(kept), store=sqlite_url)
    assert res.code == 3
    assert "run done was sealed when exported (1 event up to position 1) but now has 2 events" in res.err


def test_heads_are_not_exported_from_a_log_that_fails(sqlite_url, tmp_path):
    _append(sqlite_url, "a", "a1", "a2")
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.execute("DROP TRIGGER troupe_events_no_delete")
        conn.execute("DELETE FROM troupe_events WHERE position = 2")
    kept = tmp_path / "heads.json"
    res = troupe("verify", "--export-heads", str(kept), store=sqlite_url)
    assert res.code == 3 and not kept.exists() and f"heads not exported to {kept}" in res.err


def test_a_file_that_is_not_exported_heads_is_one_line(sqlite_url, tmp_path):
    _append(sqlite_url, "a", "a1")
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": "world"}')
    res = troupe("verify", "--against", str(bad), store=sqlite_url)
    assert res.code == 1 and len(res.err.strip().splitlines()) == 1
    assert "is not a heads file written by troupe-es verify --export-heads" in res.err and "Traceback" not in res.err


def test_a_signed_store_verifies_only_with_its_key_and_the_key_never_leaks(tmp_path):
    url = f"sqlite:///{tmp_path / 'signed.db'}"
    env = {KEY_ENV: SECRET}
    ran = troupe("run", SCENARIO, "--llm", "mock", store=url, env=env)
    assert ran.code == 0, ran.err
    run_id = ran.out.strip().splitlines()[-1]
    outputs = [ran.out, ran.err]
    signed = troupe("verify", "--json", store=url, env=env)
    report = json.loads(signed.out)
    assert signed.code == 0 and report["store_head"] == "hmac"
    assert [(d["run_id"], d["mode"], d["status"]) for d in report["details"]] == [(run_id, "hmac", "ok")]
    unsigned = troupe("verify", store=url)
    assert unsigned.code == 3 and len(unsigned.err.strip().splitlines()) == 1
    assert "cannot be checked without the key" in unsigned.err and f"{run_id}  hmac" in unsigned.out
    wrong = troupe("verify", store=url, env={KEY_ENV: "a wrong key"})
    assert wrong.code == 3 and "is not the key it was signed with" in wrong.err
    refused = troupe("run", SCENARIO, "--llm", "mock", store=url)
    assert refused.code == 1 and "is signed: set TROUPE_ES_SIGNING_KEY" in refused.err
    for args in (["runs"], ["log", run_id, "--json"], ["audit", run_id], ["verify", "--json"]):
        res = troupe(*args, store=url, env=env)
        outputs += [res.out, res.err]
    outputs += [wrong.out, wrong.err, unsigned.out, unsigned.err, refused.out, refused.err]
    exported = tmp_path / "run.jsonl"
    assert troupe("export", run_id, "--out", str(exported), store=url, env=env).code == 0
    assert not [text for text in outputs if SECRET in text]
    for file in tmp_path.iterdir():  # the database, its WAL and the export
        assert SECRET.encode() not in file.read_bytes(), file.name


def test_a_fresh_store_is_ok_but_not_with_a_key_that_says_it_should_be_signed(sqlite_url):
    from troupe_es.store import open_store

    open_store(sqlite_url).close()  # created, empty (a read command never creates a store)
    res = troupe("verify", store=sqlite_url)
    assert res.code == 0 and "ok: 0 events in 0 run(s) verified (no store head)" in res.out
    res = troupe("verify", store=sqlite_url, env={KEY_ENV: SECRET})
    assert res.code == 3 and "is set but the store is not signed (its store head is missing)" in res.err


def test_against_a_file_without_the_run_asked_for_is_one_line(sqlite_url, tmp_path):
    _append(sqlite_url, "a", "a1")
    kept = tmp_path / "heads.json"
    assert troupe("verify", "--export-heads", str(kept), store=sqlite_url).code == 0
    _append(sqlite_url, "b", "b1")
    res = troupe("verify", "b", "--against", str(kept), store=sqlite_url)
    assert res.code == 1 and f"{kept} holds no head of run b" in res.err and len(res.err.strip().splitlines()) == 1


def test_heads_to_a_missing_directory_is_one_line(sqlite_url, tmp_path):
    _append(sqlite_url, "a", "a1")
    res = troupe("verify", "--export-heads", str(tmp_path / "nowhere" / "heads.json"), store=sqlite_url)
    assert res.code == 1 and "cannot write heads to" in res.err and len(res.err.strip().splitlines()) == 1
