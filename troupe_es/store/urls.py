"""Store URLs: which ones troupe-es accepts, checked before any database is touched.

``memory://``, ``sqlite:///FILE`` and ``postgresql+psycopg://USER@HOST[:PORT]/DB`` (``postgresql://``
means the same). Anything else is one :class:`ConfigurationError` line naming the URL; a SQLite
file whose directory does not exist is a :class:`StoreUnavailableError` that says so, instead of
SQLite's "unable to open database file".
"""

from __future__ import annotations

import re
from pathlib import Path

from troupe_es.errors import ConfigurationError, StoreUnavailableError

EXPECTED = "use sqlite:///FILE, postgresql+psycopg://USER@HOST/DB or memory://"
DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")


def store_kind(url: str) -> str:
    """``memory``, ``sqlite`` or ``postgresql`` for a URL troupe-es can open; a one-line error
    naming the URL for anything else."""
    if url.startswith("memory:"):
        return "memory"
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        shown = re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)  # never echo a password
        raise ConfigurationError(f"invalid store URL {shown!r}: {EXPECTED}") from None
    shown = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(f"unsupported store URL {shown}: {EXPECTED}")
    if parsed.drivername not in DRIVERS:
        raise ConfigurationError(f"unsupported store driver {parsed.drivername!r} in {shown}: {EXPECTED}")
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            raise ConfigurationError(f"store URL {shown} names no file: use sqlite:///FILE "
                                     "(or memory:// for a store that lives only in this process)")
        folder = Path(database).parent
        if not folder.is_dir():
            raise StoreUnavailableError(f"cannot open event store {shown}: no directory {folder}")
    return backend
