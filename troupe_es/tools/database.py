"""The database tool: read-only SQL over the CSV and parquet datasets a scenario declares, run
by polars SQL with a row limit. Anything but one SELECT (or WITH ... SELECT) is refused, as are
file functions (``read_csv(...)``, ``read_parquet(...)``, ...) and quoted paths: a query reads
the declared datasets and nothing else."""

from __future__ import annotations

import re
import threading
from typing import Any

from pydantic import Field

from troupe_es.errors import ToolError
from troupe_es.tools.base import Args, Tool, ToolContext

_STRINGS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_WRITES = re.compile(r"\b(insert|update|delete|merge|create|drop|alter|truncate|copy|attach|detach|pragma|"
                     r"export|install|grant|revoke|into|execute|vacuum)\b", re.I)
_FILE_FUNCTIONS = re.compile(r"\b(read|scan)_\w+\s*\(|\b(read_csv|read_parquet|read_json|read_ipc|read_ndjson|"
                             r"read_delta|read_excel|read_database|glob|file|open)\s*\(", re.I)
_TABLES = re.compile(r"\b(?:from|join)\s+([A-Za-z_][A-Za-z0-9_]*|'[^']*'|\"[^\"]*\")", re.I)
_FRAMES: dict[str, Any] = {}
_LOCK = threading.Lock()


def check_query(sql: str, datasets: dict[str, str]) -> str:
    """The query to run (one statement, trailing ``;`` removed), or :class:`ToolError` saying why
    it is refused."""
    text = _COMMENTS.sub(" ", sql).strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    bare = _STRINGS.sub("''", text)
    if not text:
        raise ToolError("empty query")
    if ";" in bare:
        raise ToolError("one statement per query: remove the ';'")
    if not re.match(r"(?is)^\s*(select|with)\b", bare):
        raise ToolError("only SELECT queries are allowed (the datasets are read-only)")
    if (m := _WRITES.search(bare)) is not None:
        raise ToolError(f"{m.group(1).upper()} is not allowed: the datasets are read-only")
    if (m := _FILE_FUNCTIONS.search(bare)) is not None:
        raise ToolError(f"file functions ({m.group(0).strip()}...) are not allowed: query the declared datasets "
                        f"({', '.join(datasets)})")
    for found in _TABLES.findall(text):
        name = found.strip("'\"")
        if found[0] in "'\"" or "/" in name or "." in name:
            raise ToolError(f"{found} is a path: query the declared datasets ({', '.join(datasets)})")
    return text


IN_MEMORY_BYTES = 256 * 1024 * 1024
"""Datasets up to this file size are read once and kept in memory (keyed by path, size and
modification time); larger ones are scanned from disk by every query."""


def frame(path: str) -> Any:
    """A lazy frame over a dataset file: cached in memory when small enough, else a scan."""
    import os

    import polars as pl

    stat = os.stat(path)
    key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
    with _LOCK:
        lf = _FRAMES.get(key)
        if lf is None:
            parquet = path.lower().endswith(".parquet")
            if stat.st_size <= IN_MEMORY_BYTES:
                lf = (pl.read_parquet(path) if parquet else pl.read_csv(path)).lazy()
            else:
                lf = pl.scan_parquet(path) if parquet else pl.scan_csv(path)
            if len(_FRAMES) >= 16:
                _FRAMES.clear()
            _FRAMES[key] = lf
        return lf


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def run_query(sql: str, datasets: dict[str, str], row_limit: int) -> dict[str, Any]:
    """Run a checked query over ``datasets``; at most ``row_limit`` rows come back."""
    import polars as pl

    query = check_query(sql, datasets)
    ctx = pl.SQLContext({name: frame(path) for name, path in datasets.items()}, eager=False)
    try:
        df = ctx.execute(query).limit(row_limit + 1).collect()
    except Exception as exc:  # noqa: BLE001 - polars' SQL and compute errors are the caller's to read
        first = " ".join(str(exc).split())[:300]
        raise ToolError(f"the query failed: {first}") from None
    truncated = df.height > row_limit
    df = df.head(row_limit)
    rows = [[_json_value(v) for v in row] for row in df.rows()]
    return {"columns": df.columns, "rows": rows, "row_count": len(rows), "truncated": truncated}


class QueryArgs(Args):
    sql: str = Field(min_length=1, max_length=4000, description="One SELECT over the datasets listed.")


class Table(Args):
    columns: list[str]
    rows: list[list[str | int | float | bool | None]]
    row_count: int
    truncated: bool = Field(description="True when the row limit cut the result.")


class DatabaseQuery(Tool):
    name = "database_query"
    description = "Run one read-only SQL SELECT over the scenario's datasets (rows are limited)."
    capabilities = frozenset({"datasets"})
    Arguments = QueryArgs
    Result = Table

    def run(self, args: QueryArgs, ctx: ToolContext) -> Table:
        config = ctx.config
        return Table(**run_query(args.sql, dict(config.get("datasets") or {}), int(config.get("row_limit", 100))))

    def examples(self, ctx: ToolContext) -> list[dict[str, Any]]:
        return [{"sql": f"SELECT * FROM {name} LIMIT 5"} for name in (ctx.config.get("datasets") or {})]

    def prompt_note(self, config: dict[str, Any]) -> str:
        columns = config.get("columns") or {}
        return "tables: " + "; ".join(f"{name}({', '.join(columns.get(name, []))})"
                                      for name in (config.get("datasets") or {}))
