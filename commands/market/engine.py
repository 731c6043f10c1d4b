"""The matching engine: a double-auction order book with deterministic priority.

Orders are matched by price, then time (the world step an order was placed in), then a seeded
tie-break (:func:`seeded_tie_break`: a hash of the run's seed and the order id, so it is a pure
function of recorded data), then the order id. An incoming order trades against the best
resting orders of the other side while the prices cross, always at the resting order's price;
a limit order's remainder rests, a market order's does not. An agent's order never trades with
its own resting orders (they are skipped, not cancelled).

:class:`OrderBook` is the incremental form (heaps per good and side, lazy deletion); the pure
:func:`match` copies the book first: ``match(book, order, tie_break) -> (fills, book')``.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

TieBreak = Callable[[str], str]


def seeded_tie_break(seed: int) -> TieBreak:
    """The tie-break key of an order: 16 hex digits of sha256(seed, order id)."""
    prefix = f"{seed}:".encode()

    def tie(order_id: str) -> str:
        return hashlib.sha256(prefix + order_id.encode()).hexdigest()[:16]

    return tie


@dataclass(slots=True)
class BookOrder:
    """An order inside the engine (``remaining`` changes as it fills)."""

    id: str
    agent: str
    side: str  # buy, sell
    good: str
    remaining: int
    limit: int | None  # cents; None: a market order (never rests)
    step: int = 0
    tie: str = ""

    def key(self) -> tuple:
        price = self.limit if self.limit is not None else 0
        return (-price if self.side == "buy" else price, self.step, self.tie, self.id)


class Fill(NamedTuple):
    """One trade: ``quantity`` units at the resting order's ``price`` (cents)."""

    buy_order: str
    sell_order: str
    buyer: str
    seller: str
    good: str
    quantity: int
    price: int
    aggressor: str


class OrderBook:
    """Resting orders of every good, both sides (see the module docstring)."""

    __slots__ = ("_heaps", "orders")

    def __init__(self) -> None:
        self._heaps: dict[tuple[str, str], list[tuple]] = {}  # (price key, step, tie, id, order)
        self.orders: dict[str, BookOrder] = {}

    @classmethod
    def from_orders(cls, orders: Iterable[BookOrder]) -> "OrderBook":
        book = cls()
        for order in orders:
            book.rest(order)
        return book

    def copy(self) -> "OrderBook":
        """An independent copy (orders copied too)."""
        clone = OrderBook()
        for order in self.orders.values():
            clone.rest(BookOrder(order.id, order.agent, order.side, order.good, order.remaining,
                                 order.limit, order.step, order.tie))
        return clone

    def rest(self, order: BookOrder) -> None:
        """Put a limit order on the book as it is (no matching)."""
        if order.limit is None:
            raise ValueError(f"market order {order.id} cannot rest on the book")
        self.orders[order.id] = order
        price = -order.limit if order.side == "buy" else order.limit
        heapq.heappush(self._heaps.setdefault((order.good, order.side), []),
                       (price, order.step, order.tie, order.id, order))

    def cancel(self, order_id: str) -> BookOrder | None:
        """Take an order off the book (lazily: its heap entry is skipped later)."""
        return self.orders.pop(order_id, None)

    def _top(self, heap: list[tuple]) -> BookOrder | None:
        orders = self.orders
        while heap:
            order = heap[0][4]
            if order.remaining > 0 and orders.get(order.id) is order:
                return order
            heapq.heappop(heap)
        return None

    def best(self, good: str, side: str) -> BookOrder | None:
        """The best resting order of one side of a good's book."""
        heap = self._heaps.get((good, side))
        return self._top(heap) if heap else None

    def side(self, good: str, side: str) -> list[BookOrder]:
        """Live resting orders of one side, best first."""
        return sorted((o for o in self.orders.values() if o.good == good and o.side == side), key=BookOrder.key)

    def submit(self, order: BookOrder, budget: int | None = None) -> list[Fill]:
        """Match ``order`` against the book, then rest what is left of a limit order.

        ``budget`` (cents) caps what a buy order may spend (a market order's cash): each fill is
        cut to what the budget still pays for."""
        buying = order.side == "buy"
        heap = self._heaps.get((order.good, "sell" if buying else "buy"))
        fills: list[Fill] = []
        skipped: list[tuple] = []
        limit = order.limit
        orders = self.orders
        while order.remaining > 0 and heap:
            other = heap[0][4]
            if other.remaining <= 0 or orders.get(other.id) is not other:
                heapq.heappop(heap)
                continue
            price = other.limit
            if limit is not None and (price > limit if buying else price < limit):
                break
            if other.agent == order.agent:
                skipped.append(heapq.heappop(heap))
                continue
            quantity = order.remaining if order.remaining < other.remaining else other.remaining
            if budget is not None:
                affordable = budget // price if price else quantity
                if affordable < quantity:
                    quantity = affordable
                if quantity <= 0:
                    break
                budget -= quantity * price
            order.remaining -= quantity
            other.remaining -= quantity
            if buying:
                fills.append(Fill(order.id, other.id, order.agent, other.agent, order.good, quantity, price, "buy"))
            else:
                fills.append(Fill(other.id, order.id, other.agent, order.agent, order.good, quantity, price, "sell"))
            if other.remaining == 0:
                heapq.heappop(heap)
                del orders[other.id]
        for entry in skipped:
            heapq.heappush(heap, entry)  # type: ignore[arg-type]
        if order.remaining > 0 and limit is not None:
            self.rest(order)
        return fills

    def __len__(self) -> int:
        return len(self.orders)


def match(book: OrderBook, order: BookOrder, tie_break: TieBreak | None = None,
          budget: int | None = None) -> tuple[list[Fill], OrderBook]:
    """Pure matching: the fills ``order`` makes against ``book`` and the book after it (a new
    book; neither argument is changed). ``tie_break`` sets the order's tie key when it has none."""
    new_book = book.copy()
    incoming = BookOrder(order.id, order.agent, order.side, order.good, order.remaining, order.limit,
                         order.step, order.tie or (tie_break(order.id) if tie_break else ""))
    return new_book.submit(incoming, budget), new_book
