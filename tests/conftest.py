"""Shared fixtures: every store backend, and a private PostgreSQL schema per test.

PostgreSQL tests use ``TROUPE_ES_TEST_PG`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
Locally they are skipped when it is unset; under CI (``CI`` set) a missing variable or an
unreachable server fails them instead, so CI never silently skips PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest

PG_ENV = "TROUPE_ES_TEST_PG"


def _pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set under CI: PostgreSQL tests must run")
        pytest.skip(f"{PG_ENV} not set")
    return url


@pytest.fixture
def new_pg_url() -> Iterator[Callable[[], str]]:
    """A factory of URLs of fresh, empty PostgreSQL schemas (each dropped afterwards)."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = _pg_base_url()
    conninfo = make_url(base).set(drivername="postgresql").render_as_string(hide_password=False)
    made: list[str] = []

    def make() -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        try:
            with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
        except psycopg.OperationalError as exc:
            pytest.fail(f"PostgreSQL at {base} is unreachable: {exc}")
        made.append(schema)
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"

    yield make
    if made:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for schema in made:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_url(new_pg_url) -> str:
    """URL of a fresh, empty PostgreSQL schema (dropped afterwards)."""
    return new_pg_url()


@pytest.fixture
def pg_base_url() -> str:
    """URL of the PostgreSQL server itself, for tests that create their own schemas or roles."""
    return _pg_base_url()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """URL of a fresh SQLite file."""
    return f"sqlite:///{tmp_path / 'events.db'}"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_url(request) -> str:
    """The URL of a fresh store of each backend."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url):
    """A fresh, open event store of each backend."""
    from troupe_es.store import open_store

    s = open_store(store_url)
    yield s
    s.close()


FIXED_CLOCK_TIME = "2026-03-01T12:00:00+00:00"


@pytest.fixture
def clocked_store(store_url):
    """A fresh store of each backend whose wall clock is frozen at :data:`FIXED_CLOCK_TIME`,
    so chain hashes (which cover ``recorded_at``) can be compared across backends."""
    from datetime import datetime

    from troupe_es.store import InMemoryEventStore
    from troupe_es.store.sql import SqlEventStore

    def clock() -> datetime:
        return datetime.fromisoformat(FIXED_CLOCK_TIME)

    s = InMemoryEventStore(clock=clock) if store_url == "memory://" else SqlEventStore(store_url, clock=clock)
    yield s
    s.close()
