"""Read-only audits: a store nobody may write (a read-only SQLite file and directory, a PostgreSQL
role with only SELECT) is read by `runs`, `log`, `verify`, `audit` and `export` without any DDL or
write; `run`, `fork` and `replay` say in one line that they need write access; a database that is
not a store is never written to by a read, nor by a write unless asked (`--init-store`)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.cli.helpers import cannot_override_file_modes, troupe
from troupe_es.errors import NotAStoreError, ReadOnlyStoreError
from troupe_es.events import ActionTaken, NewEvent
from troupe_es.store import Snapshot, open_store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FOCUS = str(ROOT / "examples" / "focus_group.yaml")


def _record(url: str) -> str:
    res = troupe("run", FOCUS, "--llm", "mock", "-q", store=url)
    assert res.code == 0, res.err
    return res.out.strip().splitlines()[-1]


def _read_commands_work(url: str, run_id: str, out_dir: Path, **kw) -> None:
    """`runs`, `log`, `verify`, `audit` and `export` all succeed and show the run."""
    runs = troupe("runs", "--json", store=url, **kw)
    assert runs.code == 0, runs.err
    assert [r["run_id"] for r in json.loads(runs.out)] == [run_id]
    log = troupe("log", run_id, "--json", store=url, **kw)
    assert log.code == 0 and json.loads(log.out.splitlines()[0])["type"] == "RunStarted", log.err
    verified = troupe("verify", store=url, **kw)
    assert verified.code == 0, verified.err
    audit = troupe("audit", run_id, "--format", "json", store=url, **kw)
    assert audit.code == 0 and json.loads(audit.out)["calls"], audit.err
    exported = troupe("export", run_id, "--out", str(out_dir / "run.jsonl"), store=url, **kw)
    assert exported.code == 0, exported.err
    assert len((out_dir / "run.jsonl").read_text().splitlines()) == len(log.out.splitlines())


def _writes_are_refused(url: str, run_id: str, **kw) -> None:
    for argv in (["run", FOCUS, "--llm", "mock"], ["fork", run_id, "--at", "5"], ["replay", run_id]):
        res = troupe(*argv, store=url, **kw)
        assert res.code == 1, (argv, res.out, res.err)
        assert res.err.strip().count("\n") == 0 and "Traceback" not in res.err, res.err
        assert f"troupe-es {argv[0]} needs write access" in res.err and "read-only" in res.err, res.err


def _files(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


@pytest.mark.parametrize("locked", ["file and directory", "file"])
def test_a_read_only_sqlite_store_is_audited_by_a_user_who_cannot_write(tmp_path, locked):
    store_dir, out_dir = tmp_path / "store", tmp_path / "out"
    store_dir.mkdir()
    out_dir.mkdir()
    db = store_dir / "events.db"
    url = f"sqlite:///{db}"
    run_id = _record(url)
    before = _files(store_dir)
    assert list(before) == ["events.db"], "the writer left its WAL behind"
    db.chmod(0o444)
    if locked == "file and directory":
        store_dir.chmod(0o555)  # no -wal or -shm can be created next to it
    try:
        # The restriction is real for the child: it cannot open the file for writing (nor, with
        # the directory locked, create a file beside it).
        probe = subprocess.run([sys.executable, "-c", f"open({str(db)!r}, 'r+b')"],
                               preexec_fn=cannot_override_file_modes, capture_output=True, text=True)
        assert "PermissionError" in probe.stderr
        if locked == "file and directory":
            _read_commands_work(url, run_id, out_dir, preexec_fn=cannot_override_file_modes)
        else:
            assert troupe("verify", store=url, preexec_fn=cannot_override_file_modes).code == 0
        _writes_are_refused(url, run_id, preexec_fn=cannot_override_file_modes)
    finally:
        store_dir.chmod(0o755)
        db.chmod(0o644)
    after = _files(store_dir)
    if locked == "file and directory":
        assert after == before, "a read-only audit changed or created files"
    else:
        assert after["events.db"] == before["events.db"]


def test_a_write_ahead_log_left_in_a_read_only_directory(tmp_path):
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    db = store_dir / "events.db"
    url = f"sqlite:///{db}"
    # A writer killed before it could fold its log into the file leaves -wal (with the event in
    # it) and -shm behind.
    code = ("import os; from troupe_es.store import open_store;"
            "from troupe_es.events import ActionTaken, NewEvent;"
            f"s = open_store({url!r});"
            "s.append('r', [NewEvent('agent/a', ActionTaken(agent='a', action='TALK', content='hi'))]);"
            "os._exit(0)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    assert (store_dir / "events.db-wal").stat().st_size > 0
    for f in store_dir.iterdir():
        f.chmod(0o444)
    store_dir.chmod(0o555)
    try:
        with_index = troupe("runs", "--json", store=url, preexec_fn=cannot_override_file_modes)
        store_dir.chmod(0o755)
        (store_dir / "events.db-shm").unlink()
        store_dir.chmod(0o555)
        without_index = troupe("runs", store=url, preexec_fn=cannot_override_file_modes)
    finally:
        store_dir.chmod(0o755)
    assert with_index.code == 0 and json.loads(with_index.out)[0]["events"] == 1, with_index.err
    err = without_index.err
    assert without_index.code == 1 and err.strip().count("\n") == 0 and "Traceback" not in err, err
    assert "write-ahead log" in err and "open it once with write access" in err


def test_read_commands_never_create_a_store(tmp_path):
    missing = tmp_path / "typo.db"
    res = troupe("runs", store=f"sqlite:///{missing}")
    assert res.code == 1 and res.err.strip().count("\n") == 0
    assert "no event store at" in res.err and not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(NotAStoreError, match="not a troupe-es store"):
        open_store(f"sqlite:///{empty}", readonly=True)
    assert empty.stat().st_size == 0


def test_a_foreign_sqlite_database_gets_no_tables_unless_asked(tmp_path):
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO users (name) VALUES ('ada')")
    conn.close()
    before = path.read_bytes()
    url = f"sqlite:///{path}"
    for argv in (["runs"], ["log", "last"], ["verify"], ["run", FOCUS, "--llm", "mock"]):
        res = troupe(*argv, store=url)
        assert res.code == 1, (argv, res.err)
        assert res.err.strip().count("\n") == 0 and "not a troupe-es store" in res.err, res.err
    assert "--init-store" in res.err
    assert path.read_bytes() == before, "the foreign database was written to"
    assert troupe("--init-store", "run", FOCUS, "--llm", "mock", store=url).code == 0
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert conn.execute("SELECT name FROM users").fetchall() == [("ada",)]
    conn.close()
    assert {"users", "troupe_events", "troupe_snapshots", "troupe_checkpoints"} <= tables


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def test_a_store_opened_read_only_refuses_every_write(sql_url):
    with open_store(sql_url) as store:
        store.append("r1", [NewEvent("agent/a", ActionTaken(agent="a", action="TALK", content="hi"))])
    with open_store(sql_url, readonly=True) as store:
        assert [r.event.content for r in store.read()] == ["hi"]
        if store.engine.dialect.name == "postgresql":  # the server refuses writes too
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        for write in (lambda: store.append("r1", [NewEvent("agent/a", ActionTaken(agent="a", action="TALK",
                                                                                  content="no"))]),
                      lambda: store.save_checkpoint("runs", 1),
                      lambda: store.save_snapshot(Snapshot("r1", "run_state", 1, {}))):
            with pytest.raises(ReadOnlyStoreError, match="read-only"):
                write()
    with open_store(sql_url) as store:
        assert store.last_position() == 1 and store.load_checkpoint("runs") == 0


def test_a_postgres_schema_without_a_store_is_not_one_and_stays_empty(pg_url):
    res = troupe("runs", store=pg_url)
    assert res.code == 1 and "not a troupe-es store" in res.err and res.err.strip().count("\n") == 0
    with _psql(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_schema = current_schema()").fetchone()[0] == 0


def _psql(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    options = parsed.query.get("options")
    conninfo = parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
    return psycopg.connect(conninfo, autocommit=True, options=options)


def test_a_postgres_role_with_only_select_audits_a_store(pg_url, tmp_path):
    run_id = _record(pg_url)
    role = f"reader_{uuid.uuid4().hex[:10]}"
    with _psql(pg_url) as conn:
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
    reader_url = make_url(pg_url).set(username=role).render_as_string(hide_password=False)
    try:
        _read_commands_work(reader_url, run_id, tmp_path)
        _writes_are_refused(reader_url, run_id)
        rebuild = troupe("projections", "rebuild", store=reader_url)
        assert rebuild.code == 1 and "troupe-es projections rebuild needs write access" in rebuild.err
    finally:
        with _psql(pg_url) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
    with open_store(pg_url, readonly=True) as store:
        assert [s.run_id for s in store.run_summaries()] == [run_id]
