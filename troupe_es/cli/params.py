"""Click parameter types for numbers the event store keeps: positions, step numbers, seeds.

Every one is bounded to what every backend stores (a signed 64-bit integer), so
``log --from 99999999999999999999`` or ``replay --until -1`` is a usage error naming the option,
never an overflow deep in a database driver.
"""

from __future__ import annotations

from typing import Any

import click

from troupe_es.limits import INT64_MAX, INT64_MIN, MAX_POSITION


class _Bounded(click.ParamType):
    """A whole number from ``low`` to ``high``, described as ``what`` in the error."""

    def __init__(self, name: str, what: str, low: int, high: int) -> None:
        self.name = name
        self.what = what
        self.low = low
        self.high = high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a whole number", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(f"{value} is not {self.what} (a whole number from {self.low} to {self.high})", param, ctx)
        return number


POSITION = _Bounded("position", "a position", 0, MAX_POSITION)
"""An event position (0 means "before the first event")."""
COUNT = _Bounded("count", "a count", 0, INT64_MAX)
"""A step number or another count."""
SEED = _Bounded("seed", "a seed", INT64_MIN, INT64_MAX)
"""A random seed (recorded in ``RunStarted``: a signed 64-bit integer)."""
