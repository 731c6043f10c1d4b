"""SQL schema of the event store (SQLAlchemy Core), its append-only triggers and version.

Text column sizes come from :mod:`troupe_es.limits`, which every backend's ``append`` and scenario
validation check, so SQLite (which ignores them) and PostgreSQL accept exactly the same data.

Every table of the store is a :class:`~sqlalchemy.Table` on :data:`metadata`: defining one here is
all it takes for it to be created on first use (idempotently and race-free, see
:mod:`troupe_es.store.ddl`). Extra DDL (triggers) goes in :data:`TRIGGERS`, written so that running
it again changes nothing.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from troupe_es.limits import EVENT_ID_CHARS, RUN_ID_CHARS, STREAM_CHARS, TYPE_CHARS

SCHEMA_VERSION = 2
"""Version of the database layout written by this troupe-es; a newer one is refused.
v2 added the run heads and the store head (a v1 store gains them when opened)."""

metadata = MetaData()
"""The one list of the store's tables (``metadata.sorted_tables``)."""

events = Table(
    "troupe_events",
    metadata,
    Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("run_id", String(RUN_ID_CHARS), nullable=False),
    Column("stream", String(STREAM_CHARS), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("event_id", String(EVENT_ID_CHARS), nullable=False),
    Column("causation_id", String(EVENT_ID_CHARS)),
    Column("type", String(TYPE_CHARS), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("sim_time", String(40)),
    Column("recorded_at", String(40), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("chain_hash", String(64), nullable=False),
    Column("payload", Text),
    Column("payload_z", LargeBinary),
    UniqueConstraint("run_id", "stream", "stream_version", name="troupe_events_stream_version"),
    UniqueConstraint("event_id", name="troupe_events_event_id"),
)
Index("troupe_events_run_position", events.c.run_id, events.c.position)

snapshots = Table(
    "troupe_snapshots",
    metadata,
    Column("run_id", String(RUN_ID_CHARS), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("state", Text, nullable=False),
)

checkpoints = Table(
    "troupe_checkpoints",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("position", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
)

run_heads = Table(
    "troupe_run_heads",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("last_position", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("last_chain", String(64), nullable=False),
    Column("events", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("mode", String(8), nullable=False),
    Column("sealed", Integer, nullable=False),
    Column("mac", String(64), nullable=False),
)
"""Where each run's chain ends (see :mod:`troupe_es.store.heads`), one row per run."""

store_head = Table(
    "troupe_store_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("runs", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("events", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("last_position", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("mode", String(8), nullable=False),
    Column("mac", String(64), nullable=False),
)
"""What the run heads add up to: a single row (``id`` 1)."""

blobs = Table(
    "troupe_blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("media_type", String(100), nullable=False),
    Column("size", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
"""Content-addressed bytes beside the log (images a run perceived), written once, never changed:
events carry the hash (see :mod:`troupe_es.store.blobs`)."""

meta = Table(
    "troupe_meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS troupe_events_no_update BEFORE UPDATE ON troupe_events
       BEGIN SELECT RAISE(ABORT, 'troupe_events is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS troupe_events_no_delete BEFORE DELETE ON troupe_events
       BEGIN SELECT RAISE(ABORT, 'troupe_events is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS troupe_blobs_no_update BEFORE UPDATE ON troupe_blobs
       BEGIN SELECT RAISE(ABORT, 'troupe_blobs is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS troupe_blobs_no_delete BEFORE DELETE ON troupe_blobs
       BEGIN SELECT RAISE(ABORT, 'troupe_blobs is append-only'); END""",
)

POSTGRES_TRIGGERS = (
    # Created only when missing, so a role that may write rows but not change the schema can
    # still open an existing store (CREATE OR REPLACE would need ownership of the function).
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'troupe_events_append_only'
                        AND pronamespace = current_schema()::text::regnamespace) THEN
           CREATE FUNCTION troupe_events_append_only() RETURNS trigger AS $f$
             BEGIN RAISE EXCEPTION 'troupe_events is append-only'; END; $f$ LANGUAGE plpgsql;
         END IF;
       END $$""",
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'troupe_events_no_change'
                        AND tgrelid = 'troupe_events'::regclass) THEN
           CREATE TRIGGER troupe_events_no_change BEFORE UPDATE OR DELETE ON troupe_events
             FOR EACH ROW EXECUTE FUNCTION troupe_events_append_only();
         END IF;
         IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'troupe_events_no_truncate'
                        AND tgrelid = 'troupe_events'::regclass) THEN
           CREATE TRIGGER troupe_events_no_truncate BEFORE TRUNCATE ON troupe_events
             FOR EACH STATEMENT EXECUTE FUNCTION troupe_events_append_only();
         END IF;
       END $$""",
    # Blobs are written once and never changed, like events.
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'troupe_blobs_append_only'
                        AND pronamespace = current_schema()::text::regnamespace) THEN
           CREATE FUNCTION troupe_blobs_append_only() RETURNS trigger AS $f$
             BEGIN RAISE EXCEPTION 'troupe_blobs is append-only'; END; $f$ LANGUAGE plpgsql;
         END IF;
         IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'troupe_blobs_no_change'
                        AND tgrelid = 'troupe_blobs'::regclass) THEN
           CREATE TRIGGER troupe_blobs_no_change BEFORE UPDATE OR DELETE ON troupe_blobs
             FOR EACH ROW EXECUTE FUNCTION troupe_blobs_append_only();
         END IF;
         IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'troupe_blobs_no_truncate'
                        AND tgrelid = 'troupe_blobs'::regclass) THEN
           CREATE TRIGGER troupe_blobs_no_truncate BEFORE TRUNCATE ON troupe_blobs
             FOR EACH STATEMENT EXECUTE FUNCTION troupe_blobs_append_only();
         END IF;
       END $$""",
)

TRIGGERS = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}
"""Idempotent DDL run after the tables are created, per dialect."""
