"""Chains are type-checked when built; the database tool reads declared datasets only."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from tests.cli.helpers import troupe
from tests.tools.helpers import events, replay_ok, run, scenario
from troupe_es.errors import ToolChainError
from troupe_es.tools import Tool, ToolContext, chain, step
from troupe_es.tools.database import DatabaseQuery, check_query
from troupe_es.tools.documents import DocumentWrite
from troupe_es.tools.executor import run_live
from troupe_es.tools.search import WebSearch


class Number(Tool):
    name = "number"
    description = "Gives a number."

    class Arguments(BaseModel):
        seed: int

    class Result(BaseModel):
        value: int


def test_a_chain_whose_types_do_not_fit_is_rejected_when_built():
    with pytest.raises(ToolChainError, match=r"number.value is int but document_write.content needs str"):
        chain("bad", [step(Number), step(DocumentWrite, feed={"content": "value"},
                                            arguments={"document_title": "x"})])
    with pytest.raises(ToolChainError, match=r"nothing feeds the required argument\(s\) document_title"):
        chain("missing", [step(WebSearch), step(DocumentWrite, feed={"content": "text"})])
    with pytest.raises(ToolChainError, match=r"web_search's result has no field 'nope'"):
        chain("unknown", [step(WebSearch), step(DocumentWrite, feed={"content": "nope"})])
    good = chain("ok", [step(WebSearch), step(DocumentWrite, feed={"content": "text"},
                                              arguments={"document_title": "Findings"})])
    assert good.Arguments is WebSearch.Arguments and good.Result is DocumentWrite.Result


def test_a_scenario_with_a_bad_chain_fails_before_the_run(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    path = scenario(tmp_path, {"database": {"datasets": {"sales": "data/sales.csv"}}, "word_processor": {},
                               "chains": [{"name": "bad", "steps": [
                                   {"tool": "database_query"},
                                   {"tool": "document_write", "feed": {"content": "row_count"},
                                    "arguments": {"document_title": "x"}}]}]})
    res = troupe("run", path, "--llm", "mock", store=store)
    assert res.code == 1
    assert "Traceback" not in res.err
    assert "tools: chain 'bad': step 2 (document_write): database_query.row_count is int but " \
           "document_write.content needs str" in res.err
    assert troupe("runs", "--json", store=store).out.strip() in ("[]", '{"runs": []}', "")


def test_a_chain_runs_every_step_recorded_with_its_chain_id(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    tools = {"web_search": {"search_corpus": "corpus", "embedder": "hash", "personas": ["Nobody"]},
             "word_processor": {"personas": ["Nobody"]},
             "chains": [{"name": "search_then_write", "steps": [
                 {"tool": "web_search"},
                 {"tool": "document_write", "feed": {"content": "text"}, "arguments": {"document_title": "Found"}}]}]}
    personas = [{"name": n, "age": 30} for n in ("Ana", "Ben", "Nobody")]
    run_id = run(scenario(tmp_path, tools, steps=3, personas=personas), store)
    recs = [r.event for r in events(store, run_id, "ToolInvoked", "ToolReturned")]
    calls = [e for e in recs if e.type == "ToolInvoked" and e.tool == "search_then_write"]
    assert calls, "the mock made no chain call"
    cid = calls[0].call_id
    steps = [e for e in recs if e.chain_id == cid]
    assert [(e.type, e.tool) for e in steps] == [("ToolInvoked", "web_search"), ("ToolReturned", "web_search"),
                                                 ("ToolInvoked", "document_write"), ("ToolReturned", "document_write")]
    assert steps[2].arguments["content"] == steps[1].result["text"]
    final = next(e for e in recs if e.type == "ToolReturned" and e.call_id == cid)
    assert final.ok and final.result["document_id"] == f"doc:{cid}/s2"
    replay_ok(store, run_id)


@pytest.mark.parametrize("sql, problem", [
    ("DELETE FROM sales", "only SELECT"),
    ("SELECT * FROM sales; DROP TABLE sales", "one statement"),
    ("SELECT * INTO other FROM sales", "INTO is not allowed"),
    ("SELECT * FROM read_csv('/etc/passwd')", "file functions"),
    ("SELECT * FROM '/etc/passwd'", "is a path"),
    ("SELECT * FROM read_parquet('data/*.parquet')", "file functions"),
    ("CREATE TABLE x AS SELECT 1", "only SELECT"),
    ("WITH t AS (SELECT 1) INSERT INTO sales SELECT * FROM t", "INSERT is not allowed"),
])
def test_the_database_refuses_writes_and_paths(sql, problem, tmp_path):
    from troupe_es.errors import ToolError

    with pytest.raises(ToolError, match=problem):
        check_query(sql, {"sales": "x.csv"})


def test_a_refused_query_is_a_tool_error_not_a_crash(tmp_path):
    (tmp_path / "sales.csv").write_text("region,units\nNorth,3\nSouth,4\n")
    config = {"datasets": {"sales": str(tmp_path / "sales.csv")}, "row_limit": 1}
    ctx = ToolContext("Ana", "Ana/t0/c0", None, config)
    refused = run_live(DatabaseQuery(), {"sql": "SELECT * FROM read_csv('/etc/passwd')"}, ctx, 5)
    assert not refused.ok and refused.error_kind == "refused"
    outside = run_live(DatabaseQuery(), {"sql": "SELECT * FROM other"}, ctx, 5)
    assert not outside.ok and "the query failed" in outside.error
    ok = run_live(DatabaseQuery(), {"sql": "SELECT region, SUM(units) AS u FROM sales GROUP BY region "
                                           "ORDER BY region"}, ctx, 5)
    assert ok.ok and ok.result["rows"] == [["North", 3]] and ok.result["truncated"] is True
    assert check_query("SELECT replace(region, 'a', 'b') FROM sales WHERE note = 'delete me';",
                       {"sales": "x"}).endswith("'delete me'")


def test_datasets_outside_the_scenario_folder_must_exist(tmp_path):
    path = scenario(tmp_path, {"database": {"datasets": {"sales": "missing.csv"}}})
    res = troupe("run", path, "--llm", "mock", store=f"sqlite:///{tmp_path}/t.db")
    assert res.code == 1 and "tools.database.datasets.sales: no such file" in res.err


PYTHON_CHAIN = '''
from pydantic import BaseModel

from troupe_es.tools import Tool, chain, step
from troupe_es.tools.documents import DocumentWrite


class Count(Tool):
    name = "count_words"
    description = "Counts the words of a text."

    class Arguments(BaseModel):
        text: str

    class Result(BaseModel):
        words: int

    def run(self, args, ctx):
        return self.Result(words=len(args.text.split()))

    def examples(self, ctx):
        return [{"text": "one two three"}]


class Describe(Tool):
    name = "describe_count"
    description = "Turns a count into a sentence."

    class Arguments(BaseModel):
        words: int

    class Result(BaseModel):
        text: str

    def run(self, args, ctx):
        return self.Result(text=f"The text has {args.words} words.")


TOOLS = [chain("count_and_note", [step(Count), step(Describe, feed={"words": "words"}),
                                  step(DocumentWrite, feed={"content": "text"},
                                       arguments={"document_title": "Word count"})])]
'''


def test_a_chain_declared_in_python_runs_in_a_scenario(tmp_path):
    store = f"sqlite:///{tmp_path}/t.db"
    path = scenario(tmp_path, {"custom": {"counting": {"module": "python_chain.py"}}}, steps=3)
    (tmp_path / "python_chain.py").write_text(PYTHON_CHAIN)
    run_id = run(path, store)
    recs = [r.event for r in events(store, run_id, "ToolReturned")]
    final = [e for e in recs if e.tool == "count_and_note" and e.ok]
    assert final, "the mock made no chain call"
    steps = [e.tool for e in recs if e.chain_id == final[0].call_id]
    assert steps == ["count_words", "describe_count", "document_write"]
    from troupe_es.projections.tools import tools_state
    from troupe_es.store import open_store

    with open_store(store) as s:
        docs = tools_state(s, run_id).documents
    assert docs and docs[0].revisions[0] == "The text has 3 words."
    replay_ok(store, run_id)
