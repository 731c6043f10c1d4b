"""The LLM audit: one row per call with its cost, tokens, latency and cache status (polars).

Column names follow the OpenTelemetry GenAI conventions where one exists
(``gen_ai.request.model``, ``gen_ai.usage.input_tokens``, ...). Pure LazyFrame functions over
:func:`projections.analytics.events_frame`; :func:`usage_by_run` sums a whole store per run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from troupe_es.projections.analytics import events_frame
from troupe_es.store.base import EventStore

if TYPE_CHECKING:
    import polars as pl

CALL_TYPES = ("LLMCallRequested", "LLMCallCompleted", "LLMCallFailed")


def _f(path: str) -> "pl.Expr":
    import polars as pl

    return pl.col("payload").str.json_path_match(f"$.{path}")


def calls(lf: "pl.LazyFrame") -> "pl.LazyFrame":
    """Requested calls joined with their outcome (the event caused by the request): one row per
    request. A request with no outcome — its process died while the provider was answering — has
    status ``unanswered``: the call may have been paid for."""
    import polars as pl

    requested = lf.filter(pl.col("type") == "LLMCallRequested").select(
        "run_id", pl.col("event_id").alias("request_event_id"), pl.col("position").alias("requested_position"),
        pl.col("sim_time").alias("time"),
        "recorded_at", _f("call_id").alias("call_id"), _f("agent").alias("agent"),
        _f("step").cast(pl.Int64, strict=False).alias("step"), _f("purpose").alias("purpose"),
        _f("provider").alias("gen_ai.system"), _f("model").alias("gen_ai.request.model"),
        _f("request_key").alias("request_key"))
    outcome = lf.filter(pl.col("type").is_in(["LLMCallCompleted", "LLMCallFailed"])).select(
        "run_id", pl.col("causation_id").alias("request_event_id"),
        pl.when(pl.col("type") == "LLMCallCompleted").then(pl.lit("ok")).otherwise(pl.lit("failed")).alias("status"),
        _f("model").alias("gen_ai.response.model"),
        _f("finish_reason").alias("gen_ai.response.finish_reasons"),
        _f("input_tokens").cast(pl.Int64, strict=False).fill_null(0).alias("gen_ai.usage.input_tokens"),
        _f("output_tokens").cast(pl.Int64, strict=False).fill_null(0).alias("gen_ai.usage.output_tokens"),
        _f("latency_ms").cast(pl.Float64, strict=False).alias("latency_ms"),
        _f("attempts").cast(pl.Int64, strict=False).alias("attempts"),
        _f("cache_status").fill_null("failed").alias("cache_status"),
        _f("cost_usd").cast(pl.Float64, strict=False).alias("cost_usd"),
        _f("error").alias("error"))
    joined = requested.join(outcome, on=["run_id", "request_event_id"], how="left")
    return joined.with_columns(pl.col("status").fill_null("unanswered")).drop("request_event_id") \
        .sort("requested_position")


def totals(call_rows: "pl.LazyFrame") -> "pl.LazyFrame":
    """One row: calls, cache hits/misses, failures, tokens and cost paid, cost saved, p50/p95 latency."""
    import polars as pl

    paid = pl.col("cache_status") == "miss"
    return call_rows.select(
        pl.len().alias("calls"),
        (pl.col("cache_status").is_in(["hit", "replay", "semantic"])).sum().alias("cache_hits"),
        paid.sum().alias("cache_misses"),
        (pl.col("status") == "failed").sum().alias("failures"),
        (pl.col("status") == "unanswered").sum().alias("unanswered"),
        pl.col("attempts").fill_null(0).sum().alias("attempts"),
        pl.when(paid).then(pl.col("gen_ai.usage.input_tokens")).otherwise(0).sum().alias("input_tokens"),
        pl.when(paid).then(pl.col("gen_ai.usage.output_tokens")).otherwise(0).sum().alias("output_tokens"),
        pl.when(paid).then(pl.col("cost_usd")).otherwise(0.0).sum().alias("cost_usd"),
        pl.when(~paid).then(pl.col("cost_usd")).otherwise(0.0).sum().alias("cost_saved_usd"),
        pl.when(paid).then(pl.col("latency_ms")).otherwise(None).quantile(0.5).alias("p50_latency_ms"),
        pl.when(paid).then(pl.col("latency_ms")).otherwise(None).quantile(0.95).alias("p95_latency_ms"),
    )


def audit(store: EventStore, run_id: str) -> tuple["pl.DataFrame", dict[str, Any]]:
    """The audit of a run: the per-call table and the totals."""
    lf = calls(events_frame(store, run_id, types=CALL_TYPES))
    rows = lf.collect()
    summary = totals(rows.lazy()).collect().to_dicts()[0]
    summary["cache_evictions"] = 0
    for rec in store.read(run_id=run_id, types=["RunCompleted"]):
        summary["cache_evictions"] = (rec.event.cache or {}).get("evictions", 0)  # type: ignore[attr-defined]
    return rows, summary


@dataclass(frozen=True)
class Usage:
    """What one run's LLM calls used: tokens and cost actually paid, and what the cache saved."""

    calls: int = 0
    failures: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_saved_usd: float = 0.0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def usage(outcomes: "pl.LazyFrame") -> "pl.LazyFrame":
    """Per-run usage from the log's ``LLMCallCompleted`` / ``LLMCallFailed`` rows: one row per run."""
    import polars as pl

    status = _f("cache_status")
    paid = (pl.col("type") == "LLMCallCompleted") & (status.is_null() | (status == "miss"))
    hit = (pl.col("type") == "LLMCallCompleted") & ~paid
    ints = {name: _f(name).cast(pl.Int64, strict=False).fill_null(0) for name in ("input_tokens", "output_tokens")}
    cost = _f("cost_usd").cast(pl.Float64, strict=False).fill_null(0.0)
    return outcomes.filter(pl.col("type").is_in(["LLMCallCompleted", "LLMCallFailed"])).group_by("run_id").agg(
        pl.len().alias("calls"),
        (pl.col("type") == "LLMCallFailed").sum().alias("failures"),
        hit.sum().alias("cache_hits"),
        pl.when(paid).then(ints["input_tokens"]).otherwise(0).sum().alias("input_tokens"),
        pl.when(paid).then(ints["output_tokens"]).otherwise(0).sum().alias("output_tokens"),
        pl.when(paid).then(cost).otherwise(0.0).sum().alias("cost_usd"),
        pl.when(hit).then(cost).otherwise(0.0).sum().alias("cost_saved_usd"),
    ).sort("run_id")


def usage_by_run(store: EventStore) -> dict[str, Usage]:
    """Calls, failures, cache hits, tokens and cost paid per run of the whole store."""
    frame = usage(events_frame(store, types=("LLMCallCompleted", "LLMCallFailed"))).collect()
    return {row.pop("run_id"): Usage(**row) for row in frame.to_dicts()}
