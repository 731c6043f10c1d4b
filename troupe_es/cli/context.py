"""State shared by every subcommand: the store URL, the store opened on first use, output helpers.

Commands that only read open the store with :attr:`CliContext.reader` (read-only: no DDL, no
write, so a read-only file or a SELECT-only PostgreSQL role can be audited); commands that record
events use :attr:`CliContext.store` and say in one line when the store is not writable.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from troupe_es.errors import CorruptEventError
    from troupe_es.store import EventStore

STORE_ENV = "TROUPE_ES_STORE"


@dataclass
class CliContext:
    """Passed to commands as ``ctx.obj``; opens the event store lazily, closes it at exit."""

    store_url: str
    init_store: bool = False
    _store: "EventStore | None" = field(default=None, repr=False)

    @property
    def store(self) -> "EventStore":
        """The store opened for writing (its tables created on first use)."""
        if self._store is None:
            from troupe_es.errors import ReadOnlyStoreError
            from troupe_es.store import open_store

            try:
                self._store = open_store(self.store_url, init=self.init_store)
            except ReadOnlyStoreError as exc:
                command = click.get_current_context().command_path
                raise ReadOnlyStoreError(f"{command} needs write access: {exc}") from exc
        return self._store

    @property
    def reader(self) -> "EventStore":
        """The store opened read-only: nothing is created or written."""
        if self._store is None:
            from troupe_es.store import open_store

            self._store = open_store(self.store_url, readonly=True)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_cli = click.make_pass_decorator(CliContext)

json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def warn_undecodable(bad: "CorruptEventError | dict[str, Any]") -> None:
    """One line on stderr for a row a command read past (it goes on with the rest); ``bad`` is
    the error or its :meth:`~troupe_es.errors.CorruptEventError.to_dict`."""
    info = bad if isinstance(bad, dict) else bad.to_dict()
    click.echo(f"warning: skipped an undecodable event at position {info['position']} of run "
               f"{info['run_id']}: {' '.join(str(info['error']).split())}", err=True)


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
