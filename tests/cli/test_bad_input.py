"""Bad input on the command line: one line on stderr naming what and where, exit 1 (user error)
or 2 (usage), never a traceback, and nothing written (issue 9.9).

Each case runs the real entry point in this process and checks the same four things; the cases
that need a recorded run share one SQLite store made once for the module.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.helpers import Result, troupe_in_process

GOOD = """\
name: tiny
seed: 3
world: {name: Room, start: 2026-03-01T09:00:00, step: 15m}
personas:
  - name: Lisa
  - file: oscar.agent.json
script:
  - broadcast: hello
  - run: 1
"""
OSCAR = '{"type": "TinyPerson", "persona": {"name": "Oscar", "age": 30}}'
BIG = "99999999999999999999"  # beyond 64 bits


def assert_one_line_error(res: Result, code: int, *needles: str) -> None:
    """Exit ``code``, exactly one non-empty line on stderr containing every needle, no traceback."""
    assert res.code == code, (res.code, res.err)
    assert "Traceback" not in res.err, res.err
    lines = [ln for ln in res.err.splitlines() if ln.strip()]
    assert len(lines) == 1, res.err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A working directory with a persona file; messages then name files relative to it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "oscar.agent.json").write_text(OSCAR, encoding="utf-8")
    return tmp_path


# ---- scenario and persona files ------------------------------------------------------------------

@dataclass(frozen=True)
class BadScenario:
    id: str
    write: Callable[[Path], None]  # writes s.yaml (and whatever it refers to) into the directory
    needles: tuple[str, ...]


def _scenario(text: str) -> Callable[[Path], None]:
    return lambda d: (d / "s.yaml").write_text(text, encoding="utf-8")


def _raw(data: bytes) -> Callable[[Path], None]:
    return lambda d: (d / "s.yaml").write_bytes(data)


def _persona_file(path: str, setup: Callable[[Path], None] | None = None) -> Callable[[Path], None]:
    def write(d: Path) -> None:
        if setup is not None:
            setup(d)
        (d / "s.yaml").write_text(GOOD.replace("file: oscar.agent.json", f"file: {path}"), encoding="utf-8")
    return write


SCENARIOS = [
    BadScenario("scenario-not-utf8", _raw(GOOD.encode("utf-8").replace(b"hello", b"h\xe9llo")), ("s.yaml", "not a UTF-8 text file")),
    BadScenario("scenario-latin1", _raw("name: café\npersonas: [{name: Zoë}]\n".encode("latin-1")),
                ("s.yaml", "not a UTF-8 text file")),
    BadScenario("persona-not-utf8", _persona_file("latin.agent.json", lambda d: (d / "latin.agent.json").write_bytes(
        b'{"type": "TinyPerson", "persona": {"name": "Zo\xeb"}}')),
        ("s.yaml: personas[1].file: latin.agent.json: not a UTF-8 text file",)),
    BadScenario("persona-is-directory", _persona_file("folder", lambda d: (d / "folder").mkdir()),
                ("s.yaml: personas[1].file: folder: is a directory, not a persona file",)),
    BadScenario("persona-is-dev-zero", _persona_file("/dev/zero"),
                ("s.yaml: personas[1].file: /dev/zero: not a regular file",)),
    BadScenario("fragment-is-dev-zero", _scenario(GOOD.replace("  - name: Lisa", "  - name: Lisa\n    fragments: [/dev/zero]")),
                ("s.yaml: personas[0].fragments[0]: /dev/zero: not a regular file",)),
    BadScenario("impossible-datetime", _scenario(GOOD.replace("2026-03-01T09:00:00", "2026-02-30T09:00:00")),
                ("s.yaml", "line 3", "2026-02-30T09:00:00", "day is out of range for month")),
    BadScenario("impossible-date", _scenario(GOOD.replace("2026-03-01T09:00:00", "2026-02-30")),
                ("s.yaml", "line 3", "2026-02-30", "day is out of range for month")),
    *[BadScenario(f"yaml-tag-{tag}", _scenario(GOOD.replace("seed: 3", f"seed: {tag}")), ("s.yaml: line 2: YAML error: invalid",))
      for tag in ("!!timestamp x", "!!int x", "!!float x", "!!bool x", "!!map x", "!!int 0b2")],
    BadScenario("year-99999", _scenario(GOOD.replace("2026-03-01T09:00:00", "99999-01-01T09:00:00")),
                ("s.yaml: world.start:",)),
    BadScenario("clock-past-year-9999", _scenario(GOOD.replace("2026-03-01T09:00:00", "9999-12-31T23:00:00")
                                                  .replace("run: 1", "run: 10")),
                ("s.yaml: script[1].run:", "year 9999")),
    BadScenario("seed-beyond-64-bits", _scenario(GOOD.replace("seed: 3", f"seed: {BIG}")),
                ("s.yaml: seed:", f"{BIG} does not fit in 64 bits")),
    BadScenario("persona-number-beyond-64-bits", _scenario(GOOD.replace("  - name: Lisa", f"  - name: Lisa\n    height: {BIG}")),
                ("s.yaml: personas[0].height:", f"{BIG} does not fit in 64 bits")),
    BadScenario("scenario-is-dev-zero", lambda d: (d / "s.yaml").symlink_to("/dev/zero"),
                ("s.yaml: not a regular file",)),
]


@pytest.mark.parametrize("case", SCENARIOS, ids=[c.id for c in SCENARIOS])
def test_a_bad_scenario_or_persona_file_is_one_line_and_writes_nothing(workdir, case):
    case.write(workdir)
    res = troupe_in_process("run", "s.yaml", "--llm", "mock", "-q", store="sqlite:///events.db")
    assert_one_line_error(res, 1, *case.needles)
    assert not (workdir / "events.db").exists()  # the store was never even opened


def test_the_good_scenario_of_these_cases_runs(workdir):
    (workdir / "s.yaml").write_text(GOOD, encoding="utf-8")
    res = troupe_in_process("run", "s.yaml", "--llm", "mock", "-q", store="sqlite:///events.db")
    assert res.code == 0, res.err
    assert res.out.strip().startswith("tiny-")


def test_a_seed_option_beyond_64_bits_is_a_usage_error(workdir):
    (workdir / "s.yaml").write_text(GOOD, encoding="utf-8")
    res = troupe_in_process("run", "s.yaml", "--seed", BIG, "-q", store="sqlite:///events.db")
    assert_one_line_error(res, 2, "--seed", BIG)
    assert not (workdir / "events.db").exists()


# ---- store URLs ----------------------------------------------------------------------------------

STORE_URLS = [
    ("foo://", ("unsupported store URL foo://",)),
    ("foo", ("invalid store URL 'foo'",)),
    ("", ("invalid store URL ''",)),
    ("sqlite://", ("sqlite://", "names no file")),
    ("sqlite:////nonexistent/dir/x.db", ("sqlite:////nonexistent/dir/x.db", "no directory /nonexistent/dir")),
    ("postgresql+psycopg://nobody@127.0.0.1:1/x", ("cannot open event store postgresql+psycopg://nobody@127.0.0.1:1/x",)),
    ("postgresql+psycopg://nobody@127.0.0.1:notaport/x", ("invalid store URL", "notaport")),
    ("postgresql+asyncpg://nobody@127.0.0.1:1/x", ("unsupported store driver", "asyncpg")),
    ("mysql://nobody@127.0.0.1/x", ("unsupported store URL mysql://",)),
]


@pytest.mark.parametrize("url, needles", STORE_URLS, ids=[u or "empty" for u, _ in STORE_URLS])
def test_a_malformed_or_unsupported_store_url_is_one_line(workdir, url, needles):
    res = troupe_in_process("--store", url, "runs")  # `--store ''` must not fall back to the default file
    assert_one_line_error(res, 1, *needles)
    assert list(workdir.iterdir()) == [workdir / "oscar.agent.json"]  # no database file appeared


# ---- positions, output files, ports: need a recorded run -------------------------------------------

@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[str, Path]:
    """(store URL, directory) of a store holding one finished run of the tiny scenario."""
    d = tmp_path_factory.mktemp("recorded")
    (d / "oscar.agent.json").write_text(OSCAR, encoding="utf-8")
    (d / "s.yaml").write_text(GOOD, encoding="utf-8")
    url = f"sqlite:///{d / 'events.db'}"
    res = troupe_in_process("run", str(d / "s.yaml"), "--llm", "mock", "-q", store=url)
    assert res.code == 0, res.err
    return url, d


def _run_count(url: str) -> int:
    from troupe_es.store import open_store

    with open_store(url) as store:
        return len(store.run_summaries())


POSITIONS = [
    (["log", "last", "--from", BIG], "--from"),
    (["log", "last", "--until", BIG], "--until"),
    (["log", "last", "--from", "-1"], "--from"),
    (["state", "last", "--at", BIG], "--at"),
    (["state", "last", "--step", BIG], "--step"),
    (["fork", "last", "--at", BIG, "-q"], "--at"),
    (["replay", "last", "--until", BIG], "--until"),
    (["replay", "last", "--until", "-1"], "--until"),
    (["diff", "last", "--from", BIG, "--to", "2"], "--from"),
    (["diff", "last", "--from", "1", "--to", "-3"], "--to"),
]


@pytest.mark.parametrize("argv, option", POSITIONS, ids=[" ".join(a).replace(BIG, "BIG") for a, _ in POSITIONS])
def test_a_position_beyond_64_bits_or_negative_is_a_usage_error(recorded, argv, option):
    url, _ = recorded
    before = _run_count(url)
    res = troupe_in_process(*argv, store=url)
    assert_one_line_error(res, 2, option, argv[argv.index(option) + 1], f"troupe-es {argv[0]} --help")
    assert _run_count(url) == before


OUTPUTS = [
    ["audit", "last", "--format", "csv", "--out", "{missing}/calls.csv"],
    ["audit", "last", "--format", "json", "--out", "{missing}/calls.json"],
    ["audit", "last", "--format", "table", "--out", "{missing}/calls.txt"],
    ["audit", "last", "--format", "parquet", "--out", "{missing}/calls.parquet"],
    ["export", "last", "--format", "jsonl", "--out", "{missing}/events.jsonl"],
    ["export", "last", "--format", "parquet", "--out", "{missing}/events.parquet"],
    ["export", "last", "--out", "{file}/events.jsonl"],
    ["audit", "last", "--format", "csv", "--out", "{file}/calls.csv"],
    ["export", "last", "--out", "/proc/events.jsonl"],
]


@pytest.mark.parametrize("argv", OUTPUTS, ids=[" ".join([a[0]] + a[2:]) for a in OUTPUTS])
def test_out_into_a_missing_or_unwritable_directory_is_one_line(recorded, tmp_path, argv):
    url, _ = recorded
    (tmp_path / "a-file").write_text("not a directory", encoding="utf-8")
    argv = [a.format(missing=tmp_path / "missing", file=tmp_path / "a-file") for a in argv]
    target = argv[-1]
    res = troupe_in_process(*argv, store=url)
    assert_one_line_error(res, 1, "--out", target)
    assert not Path(target).exists() and not (tmp_path / "missing").exists()


def test_mock_llm_serve_on_a_port_in_use_is_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = troupe_in_process("mock-llm", "serve", "--port", str(port))
    assert_one_line_error(res, 1, f"127.0.0.1:{port}", "in use")


def test_an_unknown_option_is_one_usage_line(recorded):
    url, _ = recorded
    res = troupe_in_process("log", "last", "--frm", "3", store=url)
    assert_one_line_error(res, 2, "--frm", "troupe-es log --help")


def test_a_run_that_fails_is_one_line_too_and_is_recorded(workdir, monkeypatch):
    from troupe_es.llm.mock_server import serve_in_thread

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-broken")
    (workdir / "s.yaml").write_text(GOOD, encoding="utf-8")
    with serve_in_thread(malformed_rate=1.0) as broken:
        res = troupe_in_process("run", "s.yaml", "--llm", "openai", "--base-url", broken.base_url,
                                store="sqlite:///events.db")
    assert_one_line_error(res, 1, "error: run tiny-", "failed:")
    assert _run_count("sqlite:///events.db") == 1  # the failure is in the log, with everything before it


def test_an_out_file_is_replaced_only_when_the_whole_write_succeeds(tmp_path):
    from troupe_es.cli.output import output_file

    target = tmp_path / "events.jsonl"
    target.write_text("the previous export\n", encoding="utf-8")
    with pytest.raises(RuntimeError), output_file(target) as tmp:
        tmp.write_text("half of a new export", encoding="utf-8")
        raise RuntimeError("the disk filled up")
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    with output_file(target) as tmp:
        tmp.write_text("the new export\n", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "the new export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl"]  # no temporary file left behind
