"""The matching engine: price, then time, then the seeded tie-break; the resting order's price;
partial fills; market orders never rest; an agent never trades with itself; ``match`` is pure."""

from __future__ import annotations

from troupe_es.commands.market.engine import BookOrder, OrderBook, match, seeded_tie_break


def sell(oid, agent, price, qty=5, step=0, tie="", good="apples"):
    return BookOrder(oid, agent, "sell", good, qty, price, step, tie)


def buy(oid, agent, price, qty=5, step=0, tie="", good="apples"):
    return BookOrder(oid, agent, "buy", good, qty, price, step, tie)


def test_best_price_first_then_earlier_step_then_tie_break():
    book = OrderBook.from_orders([
        sell("a", "Ana", 160, step=0, tie="0"),
        sell("b", "Ben", 150, step=2, tie="9"),
        sell("c", "Cleo", 150, step=1, tie="5"),
        sell("d", "Dev", 150, step=1, tie="1"),
    ])
    fills = book.submit(buy("x", "Eve", 200, qty=20))
    assert [f.sell_order for f in fills] == ["d", "c", "b", "a"]
    assert [f.price for f in fills] == [150, 150, 150, 160]  # the resting order's price, not the limit


def test_a_crossing_order_trades_at_the_resting_price_and_rests_its_remainder():
    book = OrderBook.from_orders([buy("b1", "Ben", 140, qty=3)])
    fills = book.submit(sell("s1", "Ana", 120, qty=5))
    assert [(f.quantity, f.price, f.buyer, f.seller, f.aggressor) for f in fills] == [(3, 140, "Ben", "Ana", "sell")]
    assert book.best("apples", "sell").id == "s1" and book.best("apples", "sell").remaining == 2
    assert book.best("apples", "buy") is None


def test_orders_that_do_not_cross_both_rest():
    book = OrderBook()
    assert book.submit(sell("s", "Ana", 200)) == [] and book.submit(buy("b", "Ben", 150)) == []
    assert len(book) == 2


def test_a_market_order_never_rests_and_a_budget_caps_what_it_buys():
    book = OrderBook.from_orders([sell("s1", "Ana", 150, qty=2), sell("s2", "Ben", 200, qty=5)])
    fills = book.submit(BookOrder("m", "Eve", "buy", "apples", 10, None), budget=700)
    assert [(f.sell_order, f.quantity) for f in fills] == [("s1", 2), ("s2", 2)]  # 300 + 400 = 700
    assert "m" not in book.orders and book.best("apples", "sell").remaining == 3


def test_an_agent_never_trades_with_its_own_orders():
    book = OrderBook.from_orders([sell("own", "Ana", 100), sell("other", "Ben", 120)])
    fills = book.submit(buy("b", "Ana", 150, qty=3))
    assert [f.sell_order for f in fills] == ["other"]
    assert book.best("apples", "sell").id == "own"  # skipped, still resting


def test_cancel_takes_an_order_off_the_book():
    book = OrderBook.from_orders([sell("s1", "Ana", 100), sell("s2", "Ben", 120)])
    assert book.cancel("s1").id == "s1" and book.cancel("s1") is None
    assert book.best("apples", "sell").id == "s2"


def test_match_is_pure_and_sets_the_seeded_tie_break():
    book = OrderBook.from_orders([sell("s1", "Ana", 100, qty=2)])
    fills, after = match(book, buy("b", "Ben", 150, qty=5), seeded_tie_break(7))
    assert [f.quantity for f in fills] == [2]
    assert book.best("apples", "sell").remaining == 2 and len(book) == 1  # the input is unchanged
    assert after.best("apples", "buy").tie == seeded_tie_break(7)("b") and after.best("apples", "sell") is None


def test_the_tie_break_depends_on_seed_and_order_id_only():
    assert seeded_tie_break(1)("Ana:o1") == seeded_tie_break(1)("Ana:o1")
    assert seeded_tie_break(1)("Ana:o1") != seeded_tie_break(2)("Ana:o1")
    assert seeded_tie_break(1)("Ana:o1") != seeded_tie_break(1)("Ana:o2")
