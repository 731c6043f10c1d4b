"""``troupe-es audit``: every LLM call of a run, with totals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from troupe_es.cli.context import CliContext, console, pass_cli
from troupe_es.errors import ConfigurationError

_TABLE_COLUMNS = [("time", "time"), ("agent", "agent"), ("step", "step"), ("gen_ai.request.model", "model"),
                  ("gen_ai.usage.input_tokens", "in"), ("gen_ai.usage.output_tokens", "out"),
                  ("latency_ms", "ms"), ("attempts", "tries"), ("cache_status", "cache"), ("cost_usd", "cost $"),
                  ("request_key", "key")]


def _cell(name: str, value: object) -> str:
    if value is None:
        return "-"
    if name == "time":
        return value.strftime("%m-%d %H:%M")  # type: ignore[attr-defined]
    if name == "latency_ms":
        return f"{value:.0f}"
    if name == "cost_usd":
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
    cost and request key, plus totals (cost actually spent vs. saved by the cache, p50/p95 latency)."""
    from troupe_es.projections.llm_audit import audit as build

    store = cli.reader
    run_id = store.resolve_run(run)
    rows, summary = build(store, run_id)
    if fmt == "parquet":
        if out_path is None:
            raise ConfigurationError("--format parquet needs --out PATH")
        rows.write_parquet(out_path)
        click.echo(f"wrote {rows.height} calls to {out_path}", err=True)
        return
    if fmt == "csv":
        text = rows.write_csv()
    elif fmt == "json":
        text = json.dumps({"run_id": run_id, "calls": rows.to_dicts(), "totals": summary}, default=str, indent=2)
    else:
        from rich.table import Table

        out = console() if out_path is None else None
        table = Table(box=None, header_style="bold", title=f"LLM calls of {run_id}")
        for _, label in _TABLE_COLUMNS:
            table.add_column(label, justify="right" if label in ("in", "out", "ms", "tries", "cost $", "step") else "left")
        for row in rows.iter_rows(named=True):
            table.add_row(*[_cell(name, row.get(name)) for name, _ in _TABLE_COLUMNS])
        p50 = summary["p50_latency_ms"]
        p95 = summary["p95_latency_ms"]
        line = (f"total: {summary['calls']} calls, {summary['cache_hits']} cache hits, {summary['cache_misses']} "
                f"misses, {summary['cache_evictions']} evictions, {summary['failures']} failed, {summary['input_tokens']}+{summary['output_tokens']} tokens "
                f"paid, ${summary['cost_usd']:.5f} spent, ${summary['cost_saved_usd']:.5f} saved, "
                f"p50 {p50 or 0:.0f} ms, p95 {p95 or 0:.0f} ms")
        if out is not None:
            out.print(table)
            out.print(line)
            return
        from io import StringIO

        from rich.console import Console

        buffer = StringIO()
        Console(file=buffer, width=200).print(table)
        text = buffer.getvalue() + line + "\n"
    if out_path is not None:
        out_path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {rows.height} calls to {out_path}", err=True)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
