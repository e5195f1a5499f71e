"""DuckDB schema, created and changed only by numbered migrations.

Each migration runs once, inside a transaction, and is recorded in
`schema_migrations`; never edit a released migration, add a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from warehouse.views import CANONICAL_EVENTS_SQL, DUPLICATE_CLUSTERS_V10_SQL, VIEWS_SQL


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "sources, refreshes, fetch runs, events and posts",
        """
        CREATE TABLE sources (
            id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            organiser VARCHAR NOT NULL,
            url VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            regions VARCHAR[] NOT NULL,
            professions VARCHAR[] NOT NULL,
            enabled BOOLEAN NOT NULL,
            timezone VARCHAR NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE refreshes (
            run_id VARCHAR PRIMARY KEY,
            started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ NOT NULL,
            sources_file VARCHAR NOT NULL,
            sources_ok INTEGER NOT NULL,
            sources_failed INTEGER NOT NULL
        );
        CREATE TABLE fetch_runs (
            run_id VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            fetched_at TIMESTAMPTZ NOT NULL,
            status VARCHAR NOT NULL,          -- ok | fetch-error | parse-error
            http_status INTEGER,
            duration_ms DOUBLE NOT NULL,
            bytes BIGINT NOT NULL,
            body_sha256 VARCHAR,
            events_found INTEGER NOT NULL,
            posts_found INTEGER NOT NULL,
            events_new INTEGER NOT NULL,
            events_updated INTEGER NOT NULL,
            events_removed INTEGER NOT NULL,
            warnings VARCHAR[] NOT NULL,
            error VARCHAR,
            PRIMARY KEY (run_id, source_id)
        );
        CREATE TABLE events (
            source_id VARCHAR NOT NULL,
            source_uid VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            start_at TIMESTAMPTZ NOT NULL,
            end_at TIMESTAMPTZ,
            all_day BOOLEAN NOT NULL,
            timezone VARCHAR,
            url VARCHAR,
            description VARCHAR,
            location_name VARCHAR,
            address VARCHAR,
            postcode VARCHAR,
            lat DOUBLE,
            lon DOUBLE,
            attendance VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            organiser VARCHAR,
            categories VARCHAR[] NOT NULL,
            content_hash VARCHAR NOT NULL,
            sequence INTEGER NOT NULL,
            first_seen TIMESTAMPTZ NOT NULL,
            last_changed TIMESTAMPTZ NOT NULL,
            removed_at TIMESTAMPTZ,           -- set when the source stops listing it
            PRIMARY KEY (source_id, source_uid)
        );
        CREATE TABLE posts (
            source_id VARCHAR NOT NULL,
            source_uid VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            url VARCHAR,
            published TIMESTAMPTZ,
            summary VARCHAR,
            author VARCHAR,
            content_hash VARCHAR NOT NULL,
            first_seen TIMESTAMPTZ NOT NULL,
            last_changed TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (source_id, source_uid)
        );
        """,
    ),
    Migration(
        2,
        "fetch details per attempt, HTTP validators per URL, held drops",
        """
        ALTER TABLE fetch_runs ADD COLUMN url VARCHAR;
        ALTER TABLE fetch_runs ADD COLUMN final_url VARCHAR;
        ALTER TABLE fetch_runs ADD COLUMN attempts INTEGER DEFAULT 1;
        ALTER TABLE fetch_runs ADD COLUMN not_modified BOOLEAN DEFAULT false;
        ALTER TABLE fetch_runs ADD COLUMN error_kind VARCHAR;
        ALTER TABLE fetch_runs ADD COLUMN moved_to VARCHAR;   -- after a 301/308 chain
        ALTER TABLE fetch_runs ADD COLUMN held BOOLEAN DEFAULT false;  -- suspected breakage
        CREATE TABLE http_cache (
            url VARCHAR PRIMARY KEY,
            etag VARCHAR,
            last_modified VARCHAR,
            content_digest VARCHAR,       -- body hash without volatile lines
            parsed_at TIMESTAMPTZ,        -- when a body from this URL was last parsed
            updated_at TIMESTAMPTZ NOT NULL
        );
        """,
    ),
    Migration(
        3,
        "clusters of listings, scored pairs, canonical events",
        """
        CREATE TABLE clusters (
            listing_id VARCHAR PRIMARY KEY,   -- source_id/source_uid
            cluster_id VARCHAR NOT NULL,      -- a member's listing id, stable across runs
            assigned_at TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE match_pairs (
            a VARCHAR NOT NULL,
            b VARCHAR NOT NULL,
            score DOUBLE NOT NULL,
            rule VARCHAR NOT NULL,            -- uid | url | fuzzy | override-same | -different
            matched BOOLEAN NOT NULL,
            components VARCHAR NOT NULL,      -- JSON: {"title": 0.92, "time": 1.0, ...}
            scored_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (a, b)
        );
        CREATE TABLE canonical (
            cluster_id VARCHAR PRIMARY KEY,
            content_hash VARCHAR NOT NULL,
            sequence INTEGER NOT NULL,        -- +1 whenever the published content changes
            first_seen TIMESTAMPTZ NOT NULL,
            last_changed TIMESTAMPTZ NOT NULL
        );
        """,
    ),
    Migration(
        4,
        "append-only history of meaningful event changes",
        """
        CREATE TABLE event_changes (
            seen_at TIMESTAMPTZ NOT NULL,
            source_id VARCHAR NOT NULL,
            source_uid VARCHAR NOT NULL,
            field VARCHAR NOT NULL,   -- title, start, end, location, attendance, status, listed
            old_value VARCHAR,
            new_value VARCHAR
        );
        """,
    ),
    Migration(
        5,
        "small facts about the last refresh (e.g. which overrides were applied)",
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);",
    ),
    Migration(
        6,
        "removals wait for a second successful fetch",
        "ALTER TABLE events ADD COLUMN missing_since TIMESTAMPTZ;",
    ),
    Migration(
        7,
        "source priority for choosing a cluster's published fields",
        "ALTER TABLE sources ADD COLUMN priority INTEGER DEFAULT 0;",
    ),
    Migration(
        8,
        "region, profession and flag labels of each canonical event, with reasons",
        """
        CREATE TABLE labels (
            cluster_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,        -- region | profession | free | restricted
            label VARCHAR NOT NULL,       -- a slug; "true"/"false" for free
            method VARCHAR NOT NULL,      -- postcode | coordinates | place | keyword | model ...
            reason VARCHAR NOT NULL,      -- in plain words
            score DOUBLE,                 -- the model's similarity, for method "model"
            position INTEGER NOT NULL,    -- order in which the labels were found
            PRIMARY KEY (cluster_id, kind, label)
        );
        CREATE TABLE classified (
            cluster_id VARCHAR PRIMARY KEY,
            input_hash VARCHAR NOT NULL,  -- what was classified, and by which rules and data
            classified_at TIMESTAMPTZ NOT NULL
        );
        """,
    ),
    Migration(
        9,
        "canonical events for analysts, and the views documented in the README",
        CANONICAL_EVENTS_SQL + VIEWS_SQL,
    ),
    Migration(
        10,
        "duplicate_clusters joins only clusters with several members (faster)",
        DUPLICATE_CLUSTERS_V10_SQL,
    ),
    Migration(
        11,
        "each site's robots.txt answer, reused for up to a day (RFC 9309, section 2.4)",
        """
        CREATE TABLE robots_cache (
            site VARCHAR PRIMARY KEY,       -- scheme://host:port
            status INTEGER NOT NULL,        -- 2xx rules, 3xx/4xx none; never 429 or 5xx
            body BLOB NOT NULL,             -- the robots.txt as fetched (2xx only)
            fetched_at TIMESTAMPTZ NOT NULL
        );
        """,
    ),
)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, description VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration not yet applied; returns the versions applied now."""
    applied: list[int] = []
    done = current_version(con)
    for migration in MIGRATIONS:
        if migration.version <= done:
            continue
        con.begin()
        try:
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (version, description) VALUES (?, ?)",
                [migration.version, migration.description],
            )
            con.commit()
        except Exception:
            con.rollback()
            raise
        applied.append(migration.version)
    return applied
