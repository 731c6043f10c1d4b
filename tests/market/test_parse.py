"""Reading market actions: well-formed orders in several spellings, and a reason (never an
exception) for anything else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from troupe_es.commands.market.parse import ParsedOrder, cancel_targets, find_good, parse_order

GOODS = ("apples", "bread", "cheese", "berries", "goat cheese")


@pytest.mark.parametrize("content, expected", [
    ("2 apples at 1.50", (2, "apples", 150)),
    ("BUY 2 apple @ 1.50", (2, "apples", 150)),
    ("2 Apple @$1.50", (2, "apples", 150)),
    ("3 x cheese for $6.5 each", (3, "cheese", 650)),
    ("2 apples at £1,50", (2, "apples", 150)),
    ("5 units of bread at 2.00", (5, "bread", 200)),
    ("1 berry at 4", (1, "berries", 400)),
    ("2 goat cheese at 3", (2, "goat cheese", 300)),
    ("1 bread", (1, "bread", None)),
    ("1 bread at 3.00.", (1, "bread", 300)),
])
def test_orders_are_read_in_several_spellings(content, expected):
    assert parse_order(content, GOODS) == ParsedOrder(*expected)


@pytest.mark.parametrize("content, reason", [
    ("2 pears at 1", "'pears' is not traded here"),
    ("2 apples at -1", "'-1' is not a price"),
    ("2 apples at free", "'free' is not a price"),
    ("2 apples at 1.555", "'1.555' is not a price"),
    ("0 apples at 1", "the quantity must be from 1"),
    ("apples please", "write it as 'QUANTITY GOOD at PRICE'"),
    ("", "write it as"),
])
def test_anything_else_gets_a_reason(content, reason):
    got = parse_order(content, GOODS)
    assert isinstance(got, str) and got.startswith(reason)


def test_an_offer_needs_a_price():
    assert parse_order("2 apples", GOODS, need_price=True).startswith("an OFFER needs a price")


def test_cancel_names_an_order_a_good_or_all():
    mine = [("Ana:o1", "apples"), ("Ana:o2", "bread"), ("Ana:o3", "apples")]
    assert cancel_targets("Ana:o2", mine, GOODS) == ["Ana:o2"]
    assert cancel_targets("o3", mine, GOODS) == ["Ana:o3"]
    assert cancel_targets("my orders for apples", mine, GOODS) == ["Ana:o1", "Ana:o3"]
    assert cancel_targets("all", mine, GOODS) == ["Ana:o1", "Ana:o2", "Ana:o3"]
    assert cancel_targets("cheese", mine, GOODS) == "you have no open order for cheese"
    assert cancel_targets("all", [], GOODS) == "you have no open orders"
    assert find_good("Goat  Cheese", GOODS) == "goat cheese" and find_good("apps", GOODS) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_no_text_makes_the_reader_raise(text):
    assert isinstance(parse_order(text, GOODS), (ParsedOrder, str))
    assert isinstance(cancel_targets(text, [("Ana:o1", "apples")], GOODS), (list, str))
