"""SQL schema of the event store as plain DDL, its append-only triggers and its version.

The tables are written once, with two placeholders for the only types that differ between the
dialects (``{bigint}``: ``INTEGER`` on SQLite, where it makes ``position`` the rowid, and
``BIGINT`` on PostgreSQL; ``{blob}``: ``BLOB`` / ``BYTEA``), and created with ``IF NOT EXISTS``
when a store is opened. Plain text keeps SQLAlchemy (and its import time) off the SQLite path.
"""

from __future__ import annotations

SCHEMA_VERSION = 1
"""Version of the database layout written by this troupe-es; a newer one is refused."""

TABLES: dict[str, str] = {
    "troupe_events": """
        position {bigint} NOT NULL,
        run_id VARCHAR(64) NOT NULL,
        stream VARCHAR(200) NOT NULL,
        stream_version INTEGER NOT NULL,
        event_id VARCHAR(64) NOT NULL,
        causation_id VARCHAR(64),
        type VARCHAR(100) NOT NULL,
        schema_version INTEGER NOT NULL,
        sim_time VARCHAR(40),
        recorded_at VARCHAR(40) NOT NULL,
        content_hash VARCHAR(64) NOT NULL,
        chain_hash VARCHAR(64) NOT NULL,
        payload TEXT,
        payload_z {blob},
        PRIMARY KEY (position),
        CONSTRAINT troupe_events_stream_version UNIQUE (run_id, stream, stream_version),
        CONSTRAINT troupe_events_event_id UNIQUE (event_id)""",
    "troupe_snapshots": """
        run_id VARCHAR(64) NOT NULL,
        name VARCHAR(200) NOT NULL,
        position {bigint} NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (run_id, name, position)""",
    "troupe_checkpoints": """
        name VARCHAR(200) NOT NULL,
        position {bigint} NOT NULL,
        PRIMARY KEY (name)""",
    "troupe_meta": """
        key VARCHAR(100) NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (key)""",
}
"""Table name → column and constraint list (with the ``{bigint}`` / ``{blob}`` placeholders)."""

INDEXES = ("CREATE INDEX IF NOT EXISTS troupe_events_run_position ON troupe_events (run_id, position)",)

_TYPES = {"sqlite": {"bigint": "INTEGER", "blob": "BLOB"},
          "postgresql": {"bigint": "BIGINT", "blob": "BYTEA"}}


def create_table_sql(name: str, body: str, dialect: str) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for one table in ``dialect`` (``sqlite`` or ``postgresql``)."""
    return f"CREATE TABLE IF NOT EXISTS {name} ({body.format(**_TYPES[dialect])}\n)"


def schema_sql(dialect: str) -> list[str]:
    """Every statement that creates the store's tables, indexes and triggers (idempotent)."""
    tables = [create_table_sql(name, body, dialect) for name, body in TABLES.items()]
    triggers = SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS
    return [*tables, *INDEXES, *triggers]


SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS troupe_events_no_update BEFORE UPDATE ON troupe_events
       BEGIN SELECT RAISE(ABORT, 'troupe_events is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS troupe_events_no_delete BEFORE DELETE ON troupe_events
       BEGIN SELECT RAISE(ABORT, 'troupe_events is append-only'); END""",
)

POSTGRES_TRIGGERS = (
    """CREATE OR REPLACE FUNCTION troupe_events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'troupe_events is append-only'; END; $$ LANGUAGE plpgsql""",
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
)
