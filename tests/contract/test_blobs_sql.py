"""What only SQL stores promise about blobs: append-only by trigger, readable read-only, and
checked against their hash when read."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from troupe_es.errors import CorruptBlobError, ReadOnlyStoreError
from troupe_es.store import open_store


@pytest.fixture(params=["sqlite", "postgres"])
def sql_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def test_blobs_cannot_be_updated_or_deleted(sql_url):
    with open_store(sql_url) as store:
        name = store.put_blob(b"\x89PNG kept", "image/png")
    engine = create_engine(sql_url)
    statements = ["UPDATE troupe_blobs SET media_type = 'image/gif'", "DELETE FROM troupe_blobs"]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE troupe_blobs")
    for statement in statements:
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    engine.dispose()
    with open_store(sql_url) as store:
        assert store.get_blob(name).data == b"\x89PNG kept"


def test_a_read_only_store_reads_blobs_and_refuses_new_ones(sql_url):
    with open_store(sql_url) as store:
        name = store.put_blob(b"\xff\xd8 jpeg bytes", "image/jpeg")
    with open_store(sql_url, readonly=True) as reader:
        assert reader.get_blob(name).media_type == "image/jpeg" and reader.blob_hashes() == [name]
        with pytest.raises(ReadOnlyStoreError):
            reader.put_blob(b"new bytes", "image/png")


def test_a_store_from_before_blobs_opens_read_only_with_none_and_gains_the_table(sql_url):
    with open_store(sql_url):
        pass
    engine = create_engine(sql_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE troupe_blobs"))
    engine.dispose()
    with open_store(sql_url, readonly=True) as reader:
        assert reader.blob_hashes() == [] and reader.get_blob("a" * 64) is None
    with open_store(sql_url) as store:  # a write open adds the table
        name = store.put_blob(b"late", "image/webp")
        assert store.get_blob(name).data == b"late"


def test_a_blob_changed_behind_the_store_is_reported_not_used(sqlite_url):
    with open_store(sqlite_url) as store:
        name = store.put_blob(b"original bytes", "image/png")
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:  # an attacker with file access drops the trigger first
        conn.execute(text("DROP TRIGGER troupe_blobs_no_update"))
        conn.execute(text("UPDATE troupe_blobs SET data = :d"), {"d": b"forged bytes"})
    engine.dispose()
    with open_store(sqlite_url, readonly=True) as reader:
        with pytest.raises(CorruptBlobError, match=name[:12]):
            reader.get_blob(name)
