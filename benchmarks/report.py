"""Printing benchmark figures: one aligned row per measurement (name, value, note)."""

from __future__ import annotations

import os


def print_rows(rows: list[tuple[str, str, str]], *, value_width: int = 14) -> None:
    """Print ``(measurement, result, note)`` rows as an aligned table."""
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {note}".rstrip())


def machine_note() -> str:
    """CPUs and load: figures from a shared machine are only comparable at a similar load."""
    return f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (1 min) at the end"
