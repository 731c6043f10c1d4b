"""Reading market actions: ``2 apples at 1.50``, ``BUY 2 apple @ $1.50``, ``1 bread`` (a market
order), ``CANCEL Ana:o3`` / ``CANCEL apples`` / ``CANCEL all``.

Pure functions; what cannot be read is returned as a reason (the agent perceives it), never
raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MAX_QUANTITY = 1_000_000
MAX_PRICE_CENTS = 100_000_000_00

_ORDER = re.compile(
    r"^\s*(?:(?:buy|sell|offer|post)\s+)?(?P<qty>\d+)\s*(?:x\s+|units?\s+(?:of\s+)?)?(?P<good>.+?)"
    r"(?:\s*(?:\bat\b|@|\bfor\b)\s*(?P<cur>[$€£¥]?)\s*(?P<price>\d+(?:[.,]\d+)?)"
    r"\s*(?:each|apiece|per\s+\w+|/\s*\w+)?)?\s*[.!]?\s*$", re.I)


@dataclass(frozen=True)
class ParsedOrder:
    """An order as an agent wrote it."""

    quantity: int
    good: str
    limit: int | None  # cents; None: take the best prices


def price_cents(text: str) -> int | None:
    """``"1.50"`` -> 150; None unless it is a non-negative amount with at most two decimals."""
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def find_good(name: str, goods: tuple[str, ...] | list[str]) -> str | None:
    """The market's good a written name means: exact, case-insensitive, singular or plural."""
    wanted = " ".join(name.lower().split()).strip(" .,!")
    for good in goods:
        if good.lower() == wanted:
            return good

    def forms(word: str) -> set[str]:
        out = {word, word + "s", word + "es"}
        if word.endswith("ies"):
            out.add(word[:-3] + "y")
        if word.endswith("es"):
            out.add(word[:-2])
        if word.endswith("s"):
            out.add(word[:-1])
        if word.endswith("y"):
            out.add(word[:-1] + "ies")
        return out

    wanted_forms = forms(wanted)
    for good in goods:
        if good.lower() in wanted_forms or wanted in forms(good.lower()):
            return good
    return None


def parse_order(content: str, goods: tuple[str, ...] | list[str], *,
                need_price: bool = False) -> ParsedOrder | str:
    """The order in an action's content, or the reason it cannot be read."""
    match = _ORDER.match(content or "")
    if match is None:
        return "write it as 'QUANTITY GOOD at PRICE', e.g. '2 " + (goods[0] if goods else "apples") + " at 1.50'"
    quantity = int(match["qty"])
    if not 1 <= quantity <= MAX_QUANTITY:
        return f"the quantity must be from 1 to {MAX_QUANTITY}"
    good = find_good(match["good"], goods)
    priced = re.search(r"(?:\bat\b|@|\bfor\b)\s*(\S+)", match["good"], re.I)
    if good is None and priced is not None and find_good(match["good"][:priced.start()], goods):
        return f"'{priced.group(1)}' is not a price (use e.g. 1.50)"
    if good is None:
        return f"'{match['good'].strip()}' is not traded here (goods: {', '.join(goods)})"
    limit = None
    if match["price"] is not None:
        limit = price_cents(match["price"])
        if limit is None or limit > MAX_PRICE_CENTS:
            return f"'{match['price']}' is not a price (use e.g. 1.50)"
    elif need_price:
        return "an OFFER needs a price: 'QUANTITY GOOD at PRICE'"
    return ParsedOrder(quantity, good, limit)


def cancel_targets(content: str, open_orders: list[tuple[str, str]],
                   goods: tuple[str, ...] | list[str]) -> list[str] | str:
    """Ids of the agent's ``open_orders`` (``(id, good)``) a CANCEL names: an order id, a good, or
    ``all``; or the reason nothing matches."""
    text = " ".join((content or "").split()).strip(" .!")
    if not open_orders:
        return "you have no open orders"
    lowered = text.lower()
    if lowered in ("all", "everything", "all orders", "all my orders", ""):
        return [oid for oid, _ in open_orders]
    ids = [oid for oid, _ in open_orders if oid.lower() == lowered or oid.split(":")[-1].lower() == lowered]
    if ids:
        return ids
    good = find_good(re.sub(r"^(my\s+)?(orders?\s+(for|of)\s+)?", "", lowered), goods)
    if good is not None:
        ids = [oid for oid, g in open_orders if g == good]
        if ids:
            return ids
        return f"you have no open order for {good}"
    return f"no open order of yours matches '{text}' (yours: {', '.join(oid for oid, _ in open_orders)})"
