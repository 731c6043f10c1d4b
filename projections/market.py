"""Market read models with polars: the trade history, price series and trader balances over time.

Pure ``LazyFrame -> LazyFrame`` functions over :func:`troupe_es.projections.analytics.events_frame`
(polars is imported inside the functions)::

    from troupe_es.projections.analytics import events_frame
    from troupe_es.projections.market import trades, price_series, cash_flows

    lf = events_frame(store, run_id, types=["TradeExecuted", "PaymentMade", "GoodsEndowed"])
    trades(lf).collect()          # one row per trade, prices in currency units
    price_series(lf).collect()    # per good and simulated time: VWAP, low, high, volume
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from troupe_es.projections.analytics import _field

if TYPE_CHECKING:
    import polars as pl

MARKET_TYPES = ("MarketOpened", "GoodsEndowed", "TradeExecuted", "PriceChanged", "PaymentMade",
                "OrderPlaced", "OrderRejected", "OrderCancelled", "OrderSubmitted")


def trades(lf: "pl.LazyFrame") -> "pl.LazyFrame":
    """One row per trade: run, position, time, trade id, good, quantity, price (and cents),
    value, buyer, seller, aggressor side."""
    import polars as pl

    return (lf.filter(pl.col("type") == "TradeExecuted")
            .select("run_id", "position", "sim_time", _field("trade_id").alias("trade_id"),
                    _field("good").alias("good"), _field("quantity", pl.Int64).alias("quantity"),
                    _field("price_cents", pl.Int64).alias("price_cents"), _field("buyer").alias("buyer"),
                    _field("seller").alias("seller"), _field("aggressor").alias("aggressor"))
            .with_columns((pl.col("price_cents") / 100).alias("price"),
                          (pl.col("quantity") * pl.col("price_cents")).alias("value_cents")))


def price_series(lf: "pl.LazyFrame") -> "pl.LazyFrame":
    """Per run, good and simulated time: volume-weighted average price, low, high, last, units
    traded and trade count, in time order."""
    import polars as pl

    return (trades(lf).group_by("run_id", "good", "sim_time")
            .agg((pl.col("value_cents").sum() / pl.col("quantity").sum() / 100).alias("vwap"),
                 (pl.col("price_cents").min() / 100).alias("low"),
                 (pl.col("price_cents").max() / 100).alias("high"),
                 (pl.col("price_cents").sort_by("position").last() / 100).alias("last"),
                 pl.col("quantity").sum().alias("volume"), pl.len().alias("trades"))
            .sort("run_id", "good", "sim_time"))


def cash_flows(lf: "pl.LazyFrame") -> "pl.LazyFrame":
    """Every change of a trader's cash, one row each (endowment, trade, payment): run, position,
    time, agent, delta in cents and why; ``cum_sum`` of ``delta_cents`` per agent is its balance."""
    import polars as pl

    t = trades(lf)
    bought = t.select("run_id", "position", "sim_time", pl.col("buyer").alias("agent"),
                      (-pl.col("value_cents")).alias("delta_cents"), pl.lit("trade").alias("why"))
    sold = t.select("run_id", "position", "sim_time", pl.col("seller").alias("agent"),
                    pl.col("value_cents").alias("delta_cents"), pl.lit("trade").alias("why"))
    endowed = (lf.filter(pl.col("type") == "GoodsEndowed")
               .select("run_id", "position", "sim_time", _field("agent").alias("agent"),
                       _field("cash_cents", pl.Int64).alias("delta_cents"), pl.lit("endowment").alias("why")))
    pay = lf.filter(pl.col("type") == "PaymentMade")
    amount = _field("amount_cents", pl.Int64)
    paid_in = (pay.filter(_field("payee").is_not_null())
               .select("run_id", "position", "sim_time", _field("payee").alias("agent"), amount.alias("delta_cents"),
                       _field("kind").alias("why")))
    paid_out = (pay.filter(_field("payer").is_not_null())
                .select("run_id", "position", "sim_time", _field("payer").alias("agent"),
                        (-amount).alias("delta_cents"), _field("kind").alias("why")))
    return pl.concat([endowed, bought, sold, paid_in, paid_out]).sort("run_id", "position", "agent")


def balances(lf: "pl.LazyFrame") -> "pl.LazyFrame":
    """Each trader's cash after every change (cents), in log order."""
    import polars as pl

    return cash_flows(lf).with_columns(
        pl.col("delta_cents").cum_sum().over("run_id", "agent").alias("cash_cents"))
