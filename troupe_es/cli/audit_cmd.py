"""``troupe-es audit``: every LLM call of a run, with totals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from troupe_es.cli.context import CliContext, console, pass_cli
from troupe_es.cli.output import output_file
from troupe_es.errors import ConfigurationError

_TABLE_COLUMNS = [("time", "time"), ("agent", "agent"), ("step", "step"), ("gen_ai.request.model", "model"),
                  ("gen_ai.usage.input_tokens", "in"), ("gen_ai.usage.output_tokens", "out"),
                  ("latency_ms", "ms"), ("attempts", "tries"), ("cache_status", "cache"), ("cost_usd", "cost $"),
                  ("estimated_cost_usd", "est. $"), ("request_key", "key")]


def _cell(name: str, value: object) -> str:
    if value is None:
        return "-"
    if name == "time":
        return value.strftime("%m-%d %H:%M")  # type: ignore[attr-defined]
    if name == "latency_ms":
        return f"{value:.0f}"
    if name in ("cost_usd", "estimated_cost_usd"):
        return f"{value:.5f}"
    if name == "request_key":
        return str(value)[:10]
    return str(value)


@click.command()
@click.argument("run")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "parquet"]), default="table",
              show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to a file instead of stdout (required for parquet).")
@pass_cli
def audit(cli: CliContext, run: str, fmt: str, out_path: Path | None) -> None:
    """Every LLM call of RUN: time, agent, step, model, tokens, latency, attempts, cache status,
    cost, list-price estimate and request key, plus totals (tokens and cost actually spent —
    failed calls' answered attempts included — vs. saved by the cache, p50/p95 latency).

    "cost $" is what the provider charges (the mock LLM charges nothing); "est. $" is what the
    same tokens cost at the price table's list prices. A call whose process died before its
    answer was recorded shows as "unanswered" (it may have been paid for).
    """
    store = cli.reader
    run_id = store.resolve_run(run)
    if fmt == "parquet" and out_path is None:
        raise ConfigurationError("--format parquet needs --out PATH")
    if out_path is None:
        _print(store, run_id, fmt)
        return
    with output_file(out_path) as tmp:  # a missing or unwritable directory fails here, before any work
        rows = _write(store, run_id, fmt, tmp)
    click.echo(f"wrote {rows} calls to {out_path}", err=True)


def _print(store, run_id: str, fmt: str) -> None:  # noqa: ANN001
    """The audit on stdout (a rich table on a terminal)."""
    if fmt == "table":
        rows, summary = _build(store, run_id)
        out = console()
        out.print(_table(rows, run_id))
        out.print(_totals(summary))
        out.print(_by_purpose(rows))
        return
    text = _text(*_build(store, run_id), run_id, fmt)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _write(store, run_id: str, fmt: str, path: Path) -> int:  # noqa: ANN001
    """Write the audit to ``path``; the number of calls written."""
    rows, summary = _build(store, run_id)
    if fmt == "parquet":
        rows.write_parquet(path)
    else:
        path.write_text(_text(rows, summary, run_id, fmt), encoding="utf-8")
    return rows.height


def _build(store, run_id: str):  # noqa: ANN001, ANN202 - polars is imported lazily
    from troupe_es.projections.llm_audit import audit as build

    return build(store, run_id)


def _text(rows, summary: dict, run_id: str, fmt: str) -> str:  # noqa: ANN001
    if fmt == "csv":
        return rows.write_csv()
    if fmt == "json":
        return json.dumps({"run_id": run_id, "calls": rows.to_dicts(), "totals": summary}, default=str, indent=2)
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    Console(file=buffer, width=200).print(_table(rows, run_id))
    return buffer.getvalue() + _totals(summary) + "\n" + _by_purpose(rows) + "\n"


def _table(rows, run_id: str):  # noqa: ANN001, ANN202 - rich is imported lazily
    from rich.table import Table

    table = Table(box=None, header_style="bold", title=f"LLM calls of {run_id}")
    for _, label in _TABLE_COLUMNS:
        table.add_column(label, justify="right" if label in ("in", "out", "ms", "tries", "cost $", "est. $", "step") else "left")
    for row in rows.iter_rows(named=True):
        table.add_row(*[_cell(name, row.get(name)) for name, _ in _TABLE_COLUMNS])
    return table


def _by_purpose(rows) -> str:  # noqa: ANN001
    """Calls per purpose (turn, knowledge extraction, consolidation, ...), most first."""
    counts: dict[str, int] = {}
    for purpose in rows.get_column("purpose").to_list() if rows.height else ():
        counts[purpose or "chat"] = counts.get(purpose or "chat", 0) + 1
    return "calls by purpose: " + (", ".join(f"{p} {n}" for p, n in sorted(counts.items(), key=lambda x: (-x[1], x[0])))
                                   or "none")


def _totals(summary: dict) -> str:
    p50 = summary["p50_latency_ms"]
    p95 = summary["p95_latency_ms"]
    return (f"total: {summary['calls']} calls, {summary['cache_hits']} cache hits, {summary['cache_misses']} "
            f"misses, {summary['cache_evictions']} evictions, {summary['failures']} failed, "
            f"{summary['unanswered']} unanswered, {summary['input_tokens']}+{summary['output_tokens']} tokens "
            f"paid, ${summary['cost_usd']:.5f} spent (${summary['estimated_cost_usd']:.5f} at list prices), "
            f"${summary['cost_saved_usd']:.5f} saved, "
            f"p50 {p50 or 0:.0f} ms, p95 {p95 or 0:.0f} ms")
