"""State shared by every subcommand: the store URL, the store opened on first use, output helpers."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from troupe_es.store import EventStore

STORE_ENV = "TROUPE_ES_STORE"


@dataclass
class CliContext:
    """Passed to commands as ``ctx.obj``; opens the event store lazily, closes it at exit."""

    store_url: str
    _store: "EventStore | None" = field(default=None, repr=False)

    @property
    def store(self) -> "EventStore":
        if self._store is None:
            from troupe_es.store import open_store

            self._store = open_store(self.store_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_cli = click.make_pass_decorator(CliContext)

json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def echo_json(value: Any) -> None:
    """Print one JSON document (datetimes and other objects via ``str``)."""
    sys.stdout.write(json.dumps(value, default=str, ensure_ascii=False) + "\n")


def console(stderr: bool = False):  # noqa: ANN201 - rich is imported lazily
    """A rich console on stdout (or stderr)."""
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr, highlight=False)
    # Piped or captured: never wrap lines, keep tables wide.
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=200)
