"""An API key given in the environment is sent to the server and stored nowhere.

`troupe-es run --llm openai` runs against the mock server with a distinctive key (a completed
run with retried 429/500s and hostile answers, and a run that fails); then every byte of the
SQLite database — the .db, -wal and -shm files read raw while a reader keeps the WAL alive,
every zlib stream inside them inflated, and again after a checkpoint — the decoded events, the
`export` output (jsonl and parquet), the `audit` output (json, csv and parquet) and everything the
commands printed are searched for the key.
"""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import polars as pl

from tests.cli.helpers import troupe
from troupe_es.llm.mock_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
FOCUS = str(ROOT / "examples" / "focus_group.yaml")
KEY = "sk-proj-Zq8vN3xTroupeLeakCanary5e7Hw2Kd9"
NEEDLES = (KEY.encode(), b"TroupeLeakCanary", KEY.encode("utf-16-le"), KEY[::-1].encode())


def inflated_streams(data: bytes) -> list[bytes]:
    """Every zlib stream found anywhere in ``data``, inflated (compressed payloads, in any page)."""
    found = []
    view = memoryview(data)
    start = 0
    while (i := data.find(b"\x78", start)) != -1:
        start = i + 1
        if i + 1 < len(data) and (data[i] << 8 | data[i + 1]) % 31 == 0:
            try:
                found.append(zlib.decompressobj().decompress(view[i:i + (1 << 20)]))
            except zlib.error:
                continue
    return found


def assert_no_key(blob: bytes, where: str) -> None:
    for needle in NEEDLES:
        assert needle not in blob, f"the API key is in {where}"


def assert_no_key_in_files(db: Path, when: str) -> int:
    files = [p for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")) if p.exists()]
    streams = 0
    for path in files:
        raw = path.read_bytes()
        assert_no_key(raw, f"{path.name} ({when})")
        for inflated in inflated_streams(raw):
            assert_no_key(inflated, f"a compressed stream in {path.name} ({when})")
            streams += 1
    return streams


def test_the_api_key_is_stored_nowhere(tmp_path):
    db = tmp_path / "keys.db"
    url = f"sqlite:///{db}"
    env = {"OPENAI_API_KEY": KEY}
    printed = []
    with serve_in_thread(error_rate=0.3, error_kinds=("429",), retry_after=0.01, hostile=("error-object", "html"),
                         hostile_rate=0.2, hostile_attempts=1) as srv:
        first = troupe("run", FOCUS, "--llm", "openai", "--base-url", srv.base_url, "--no-cache", "--json",
                       store=url, env=env)
        assert first.code == 0, first.err
        keeper = sqlite3.connect(db)  # an open reader: the WAL outlives the next writers
        keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()
        second = troupe("run", FOCUS, "--llm", "openai", "--base-url", srv.base_url, "--no-cache", "-q",
                        store=url, env=env)
        assert second.code == 0, second.err
        assert srv.counters.with_key == srv.counters.total > 18  # the key was sent with every request
        assert srv.counters.errors > 0 and srv.counters.hostile > 0
    failing = troupe("run", FOCUS, "--llm", "openai", "--base-url", srv.base_url, "-q", "--no-cache",
                     store=url, env=env)  # the server is gone: a failed run, its error recorded
    assert failing.code == 1 and "cannot connect" in failing.err
    printed += [first.out, first.err, second.out, second.err, failing.out, failing.err]
    runs = [second.out.strip(), failing.out.strip()]

    assert db.with_name(db.name + "-wal").stat().st_size > 0
    streams = assert_no_key_in_files(db, "with the WAL")
    keeper.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    keeper.close()
    streams += assert_no_key_in_files(db, "after a checkpoint")
    assert streams > 0  # long prompts are stored compressed: the search must see inside them

    from troupe_es.store import open_store

    with open_store(url) as store:
        decoded = "".join(r.event.model_dump_json() + repr(r.envelope) for r in store.read())
        types = {r.type for r in store.read()}
    assert {"LLMCallCompleted", "LLMCallFailed", "RunFailed"} <= types
    assert "attempt_errors" in decoded and "HTTP 200 with" in decoded  # failed attempts were recorded
    assert_no_key(decoded.encode(), "the decoded events")

    outputs: list[Path] = []
    commands: list[tuple[str, ...]] = [("runs", "--json")]
    for run_id in (runs[0], runs[1]):  # a completed run and a failed one
        jsonl, parquet, audit = (tmp_path / f"{run_id}.{ext}" for ext in ("jsonl", "parquet", "audit.parquet"))
        outputs += [jsonl, parquet, audit]
        commands += [("export", run_id, "--format", "jsonl", "--out", str(jsonl)),
                     ("export", run_id, "--format", "parquet", "--out", str(parquet)),
                     ("audit", run_id, "--format", "parquet", "--out", str(audit)),
                     ("audit", run_id, "--format", "json"), ("audit", run_id, "--format", "csv"),
                     ("log", run_id, "--json")]
    for args in commands:
        result = troupe(*args, store=url)
        assert result.code == 0, (args, result.err)
        printed += [result.out, result.err]
    for path in outputs:
        assert_no_key(path.read_bytes(), path.name)
        if path.suffix == ".parquet":
            table = pl.read_parquet(path)
            assert table.height > 0
            assert_no_key(table.write_csv().encode(), f"the values of {path.name}")
    assert_no_key("".join(printed).encode(), "the commands' output")
