"""Analytics over the log with polars: the log as a LazyFrame plus pure LazyFrame → LazyFrame metrics.

``events_frame`` loads a run (or the whole store) once, in pages, into columns: the envelope and
the payload as JSON text; metric functions decode only the fields they need, lazily.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from troupe_es.store.base import EventStore

if TYPE_CHECKING:
    import polars as pl

ENVELOPE_COLUMNS = ("position", "run_id", "stream", "stream_version", "event_id", "causation_id", "type",
                    "schema_version", "sim_time", "recorded_at", "content_hash", "chain_hash")


def events_frame(store: EventStore, run_id: str | None = None, *, types: Iterable[str] | None = None,
                 chunk: int = 50_000) -> "pl.LazyFrame":
    """The log (envelope columns + ``payload`` JSON text) as a LazyFrame, built in chunks."""
    import polars as pl

    schema = {"position": pl.Int64, "run_id": pl.String, "stream": pl.String, "stream_version": pl.Int64,
              "event_id": pl.String, "causation_id": pl.String, "type": pl.String, "schema_version": pl.Int64,
              "sim_time": pl.String, "recorded_at": pl.String, "content_hash": pl.String,
              "chain_hash": pl.String, "payload": pl.String}
    frames: list[pl.DataFrame] = []
    columns: dict[str, list] = {name: [] for name in schema}
    for row in store.iter_rows(run_id=run_id, types=types, batch_size=5000):
        for name in ENVELOPE_COLUMNS:
            columns[name].append(getattr(row, name))
        columns["payload"].append(row.payload)
        if len(columns["position"]) >= chunk:
            frames.append(pl.DataFrame(columns, schema=schema))
            columns = {name: [] for name in schema}
    frames.append(pl.DataFrame(columns, schema=schema))
    frame = pl.concat(frames) if len(frames) > 1 else frames[0]
    return frame.lazy().with_columns(
        pl.col("sim_time").str.to_datetime(time_zone="UTC", strict=False),
        pl.col("recorded_at").str.to_datetime(time_zone="UTC", strict=False),
    )


def _field(name: str, dtype: "pl.DataType | None" = None) -> "pl.Expr":
    import polars as pl

    expr = pl.col("payload").str.json_path_match(f"$.{name}")
    return expr.cast(dtype, strict=False) if dtype is not None else expr


def actions(lf: "pl.LazyFrame") -> "pl.LazyFrame":
    """One row per action: run, position, time, agent, action, target, content."""
    import polars as pl

    return (lf.filter(pl.col("type") == "ActionTaken")
            .select("run_id", "position", "sim_time", _field("agent").alias("agent"),
                    _field("action").alias("action"), _field("target").alias("target"),
                    _field("content").alias("content")))


def actions_per_agent(lf: "pl.LazyFrame") -> "pl.LazyFrame":
    """Per run and agent: how many TALK, THINK, REACH_OUT actions and words spoken."""
    import polars as pl

    acts = actions(lf).filter(pl.col("action") != "DONE")
    return (acts.group_by("run_id", "agent")
            .agg((pl.col("action") == "TALK").sum().alias("talk"),
                 (pl.col("action") == "THINK").sum().alias("think"),
                 (pl.col("action") == "REACH_OUT").sum().alias("reach_out"),
                 pl.when(pl.col("action") == "TALK").then(pl.col("content").str.count_matches(r"\S+"))
                 .otherwise(0).sum().alias("words_spoken"))
            .sort("run_id", "agent"))


def poll_results(lf: "pl.LazyFrame") -> "pl.LazyFrame":
    """Every poll answer: poll, agent, choice, reason."""
    import polars as pl

    return (lf.filter(pl.col("type") == "PollAnswered")
            .select("run_id", "position", _field("poll").alias("poll"), _field("agent").alias("agent"),
                    _field("choice").alias("choice"), _field("reason").alias("reason")))


def event_counts(lf: "pl.LazyFrame") -> "pl.LazyFrame":
    """Events per run and type."""
    import polars as pl

    return lf.group_by("run_id", "type").agg(pl.len().alias("events")).sort("run_id", "type")
