"""The analysts' table and views: the SQL of migrations 9 and 10 (warehouse/schema.py).

These texts are parts of released migrations: never edit them. A change to a view is a
new migration that runs `CREATE OR REPLACE VIEW` with the new SQL (as 10 does).

`canonical_events` holds one row per canonical event (a cluster of listings), as the
feeds publish it: merged by warehouse.canonical (the copy of the highest-priority source,
then the most complete, with corrections from the overrides file) and classified. A view
cannot compute that merge (the overrides file is not in the database and the copy rank is
Python), so warehouse.canonical_table writes it in the refresh transaction, whenever the
clusters are computed. A row stays when its event stops being listed (`listed` false,
`removed_at` set), so past events stay countable after their sources drop them; a row is
deleted only when its listings live on in another cluster.

The views count an event once (one cluster), leave out events listed only by disabled
sources (as the feeds do), and count an event as having happened when it was not
cancelled and was still listed when it started. Months and days are Europe/London dates,
whatever the session's time zone.
"""

from __future__ import annotations

CANONICAL_EVENTS_SQL = """
CREATE TABLE canonical_events (
    cluster_id VARCHAR PRIMARY KEY,   -- a member's listing id, as in clusters
    title VARCHAR NOT NULL,
    start_at TIMESTAMPTZ NOT NULL,
    end_at TIMESTAMPTZ,
    all_day BOOLEAN NOT NULL,
    timezone VARCHAR,
    location_name VARCHAR,
    address VARCHAR,
    postcode VARCHAR,
    lat DOUBLE,
    lon DOUBLE,
    attendance VARCHAR NOT NULL,      -- in-person | online | mixed | unknown
    status VARCHAR NOT NULL,          -- scheduled | tentative | cancelled | postponed
    url VARCHAR,
    organiser VARCHAR NOT NULL,       -- as the event names it, else its source's organiser
    description VARCHAR,
    categories VARCHAR[] NOT NULL,
    regions VARCHAR[] NOT NULL,       -- labels, as in the labels table
    professions VARCHAR[] NOT NULL,
    free BOOLEAN,                     -- NULL: the listing does not say
    restricted VARCHAR,               -- civil-servants-only | public-sector-only | invite-only
    source_ids VARCHAR[] NOT NULL,    -- the listing sources, the published copy's first
    sources VARCHAR[] NOT NULL,       -- their names, in the same order
    listings VARCHAR[] NOT NULL,      -- member listing ids, in the same order
    sequence INTEGER NOT NULL,        -- as in canonical: +1 per published change
    first_seen TIMESTAMPTZ NOT NULL,
    last_changed TIMESTAMPTZ NOT NULL,
    listed BOOLEAN NOT NULL,          -- false once no source lists it any more
    removed_at TIMESTAMPTZ,           -- when it stopped being listed
    updated_at TIMESTAMPTZ NOT NULL
);
"""

VIEWS_SQL = r"""
CREATE VIEW event_history AS
SELECT * FROM canonical_events
WHERE status <> 'cancelled'
  AND (listed OR removed_at >= start_at)
  AND list_has_any(source_ids, (SELECT coalesce(list(id), []) FROM sources WHERE enabled));

CREATE VIEW upcoming_events AS
SELECT cluster_id, title, start_at, end_at, all_day,
       -- name, address and postcode, skipping a part an earlier part contains (as the feeds)
       nullif(concat_ws(', ', nullif(trim(location_name), ''),
           CASE WHEN NOT contains(lower(coalesce(location_name, '')), lower(trim(address)))
                THEN nullif(trim(address), '') END,
           CASE WHEN NOT contains(lower(concat_ws(', ', location_name, address)),
                                  lower(trim(postcode)))
                THEN nullif(trim(postcode), '') END), '') AS place,
       attendance, regions, professions, free, restricted, url, organiser, sources, status
FROM event_history
WHERE listed AND coalesce(end_at, start_at) >= now()
ORDER BY start_at, cluster_id;

CREATE VIEW events_by_region_month AS
SELECT CAST(date_trunc('month', start_at AT TIME ZONE 'Europe/London') AS DATE) AS month,
       region, count(*) AS events
FROM (SELECT start_at, unnest(CASE WHEN len(regions) = 0 THEN ['none'] ELSE regions END)
             AS region
      FROM event_history)
GROUP BY ALL
ORDER BY month, region;

CREATE VIEW events_by_profession_month AS
SELECT CAST(date_trunc('month', start_at AT TIME ZONE 'Europe/London') AS DATE) AS month,
       profession, count(*) AS events
FROM (SELECT start_at,
             unnest(CASE WHEN len(professions) = 0 THEN ['none'] ELSE professions END)
             AS profession
      FROM event_history)
GROUP BY ALL
ORDER BY month, profession;

CREATE VIEW organisers AS
WITH spelt AS (
    SELECT lower(organiser) AS key, organiser, count(*) AS n
    FROM event_history GROUP BY ALL
),
names AS (
    SELECT key, first(organiser ORDER BY n DESC, organiser) AS organiser
    FROM spelt GROUP BY key
)
SELECT n.organiser,
       count(*) FILTER (WHERE e.start_at < now() AND e.start_at >= now() - INTERVAL 365 DAY)
           AS events_last_year,
       count(*) FILTER (WHERE e.start_at >= now()) AS upcoming,
       min(e.start_at) FILTER (WHERE e.start_at >= now()) AS next_event_start,
       arg_min(e.title, e.start_at) FILTER (WHERE e.start_at >= now()) AS next_event,
       arg_min(e.url, e.start_at) FILTER (WHERE e.start_at >= now()) AS next_event_url
FROM event_history e JOIN names n ON n.key = lower(e.organiser)
GROUP BY n.organiser
ORDER BY lower(n.organiser), n.organiser;

CREATE VIEW source_health_daily AS
SELECT CAST(f.fetched_at AT TIME ZONE 'Europe/London' AS DATE) AS day,
       f.source_id, s.name AS source,
       count(*) AS fetches,
       count(*) FILTER (WHERE f.status IN ('ok', 'not-modified', 'unchanged')) AS succeeded,
       count(*) FILTER (WHERE f.status NOT IN ('ok', 'not-modified', 'unchanged')) AS failed,
       count(*) FILTER (WHERE f.not_modified) AS not_modified,
       arg_max(f.status, f.fetched_at) AS last_status,
       max(f.events_found) FILTER (WHERE f.status = 'ok') AS events_found,
       sum(f.events_new) AS events_new,
       sum(f.events_updated) AS events_updated,
       sum(f.events_removed) AS events_removed,
       round(median(f.duration_ms)) AS median_ms,
       sum(f.bytes) AS bytes,
       bool_or(coalesce(f.held, false)) AS held,
       arg_max(f.error, f.fetched_at) FILTER (WHERE f.error IS NOT NULL) AS last_error
FROM fetch_runs f LEFT JOIN sources s ON s.id = f.source_id
GROUP BY ALL
ORDER BY day, f.source_id;

CREATE VIEW event_changes_view AS
WITH c AS (
    SELECT x.*,
           strftime(TRY_CAST(x.old_value AS TIMESTAMPTZ) AT TIME ZONE 'Europe/London',
                    '%a %-d %b %Y %H:%M') AS old_time,
           strftime(TRY_CAST(x.new_value AS TIMESTAMPTZ) AT TIME ZONE 'Europe/London',
                    '%a %-d %b %Y %H:%M') AS new_time
    FROM event_changes x
)
SELECT c.seen_at,
       coalesce(k.cluster_id, c.source_id || '/' || c.source_uid) AS cluster_id,
       e.title, c.source_id, s.name AS source,
       CASE
           WHEN c.field IN ('start', 'end') THEN 'rescheduled'
           WHEN c.field = 'status' AND c.new_value = 'cancelled' THEN 'cancelled'
           WHEN c.field = 'status' AND c.old_value = 'cancelled' THEN 'reinstated'
           WHEN c.field = 'status' THEN 'status changed'
           WHEN c.field = 'location' THEN 'venue changed'
           WHEN c.field = 'title' THEN 'renamed'
           WHEN c.field = 'attendance' THEN 'attendance changed'
           WHEN c.field = 'listed' AND c.new_value = 'removed' THEN 'no longer listed'
           WHEN c.field = 'listed' AND c.old_value = 'removed' THEN 'listed again'
           WHEN c.field = 'listed' THEN 'first listed'
           ELSE c.field
       END AS change,
       CASE
           WHEN c.field IN ('start', 'end') THEN
               c.field || ' moved from ' || coalesce(c.old_time, 'none')
               || ' to ' || coalesce(c.new_time, 'none') || ' (London time)'
           WHEN c.field = 'listed' AND c.new_value = 'removed' THEN
               'the source no longer lists it'
           WHEN c.field = 'listed' AND c.old_value = 'removed' THEN
               'the source lists it again'
           WHEN c.field = 'listed' THEN 'first seen in this source'
           ELSE c.field || ' changed from "' || coalesce(nullif(c.old_value, ''), 'none')
               || '" to "' || coalesce(nullif(c.new_value, ''), 'none') || '"'
       END AS summary,
       c.field, c.old_value, c.new_value
FROM c
LEFT JOIN events e ON e.source_id = c.source_id AND e.source_uid = c.source_uid
LEFT JOIN sources s ON s.id = c.source_id
LEFT JOIN clusters k ON k.listing_id = c.source_id || '/' || c.source_uid
ORDER BY c.seen_at DESC, cluster_id, c.source_id, c.field;

CREATE VIEW duplicate_clusters AS
WITH members AS (
    SELECT k.cluster_id, k.listing_id, e.source_id, e.title, e.start_at
    FROM clusters k JOIN events e ON e.source_id || '/' || e.source_uid = k.listing_id
),
pairs AS (
    SELECT ka.cluster_id, p.a, p.b, p.score, p.rule, p.matched
    FROM match_pairs p
    JOIN clusters ka ON ka.listing_id = p.a
    JOIN clusters kb ON kb.listing_id = p.b
    WHERE ka.cluster_id = kb.cluster_id
),
scored AS (
    SELECT cluster_id,
           min(score) FILTER (WHERE matched) AS min_score,
           max(score) FILTER (WHERE matched) AS max_score,
           list({'a': a, 'b': b, 'score': round(score, 3), 'rule': rule, 'matched': matched}
                ORDER BY score DESC, a, b) AS pairs
    FROM pairs GROUP BY cluster_id
),
grouped AS (
    SELECT cluster_id, count(*) AS members,
           list(listing_id ORDER BY listing_id) AS listings,
           list(DISTINCT source_id ORDER BY source_id) AS sources,
           list(title ORDER BY listing_id) AS titles,
           min(start_at) AS start_at
    FROM members GROUP BY cluster_id HAVING count(*) > 1
)
SELECT g.cluster_id, coalesce(ce.title, g.titles[1]) AS title, g.start_at, g.members,
       g.listings, g.sources, g.titles, s.min_score, s.max_score, coalesce(s.pairs, []) AS pairs
FROM grouped g
LEFT JOIN canonical_events ce ON ce.cluster_id = g.cluster_id
LEFT JOIN scored s ON s.cluster_id = g.cluster_id
ORDER BY g.start_at, g.cluster_id;
"""

# Migration 10: the same view, but only clusters with several members are joined to
# their listings (the first version joined every cluster: 10 s instead of 0.7 s for a
# million listings). Same columns, same rows.
DUPLICATE_CLUSTERS_V10_SQL = """
CREATE OR REPLACE VIEW duplicate_clusters AS
WITH several AS (
    SELECT cluster_id FROM clusters GROUP BY cluster_id HAVING count(*) > 1
),
members AS (
    SELECT k.cluster_id, k.listing_id, e.source_id, e.title, e.start_at
    FROM clusters k
    JOIN several USING (cluster_id)
    JOIN events e ON e.source_id || '/' || e.source_uid = k.listing_id
),
pairs AS (
    SELECT ka.cluster_id, p.a, p.b, p.score, p.rule, p.matched
    FROM match_pairs p
    JOIN clusters ka ON ka.listing_id = p.a
    JOIN clusters kb ON kb.listing_id = p.b
    WHERE ka.cluster_id = kb.cluster_id
),
scored AS (
    SELECT cluster_id,
           min(score) FILTER (WHERE matched) AS min_score,
           max(score) FILTER (WHERE matched) AS max_score,
           list({'a': a, 'b': b, 'score': round(score, 3), 'rule': rule, 'matched': matched}
                ORDER BY score DESC, a, b) AS pairs
    FROM pairs GROUP BY cluster_id
),
grouped AS (
    SELECT cluster_id, count(*) AS members,
           list(listing_id ORDER BY listing_id) AS listings,
           list(DISTINCT source_id ORDER BY source_id) AS sources,
           list(title ORDER BY listing_id) AS titles,
           min(start_at) AS start_at
    FROM members GROUP BY cluster_id HAVING count(*) > 1
)
SELECT g.cluster_id, coalesce(ce.title, g.titles[1]) AS title, g.start_at, g.members,
       g.listings, g.sources, g.titles, s.min_score, s.max_score, coalesce(s.pairs, []) AS pairs
FROM grouped g
LEFT JOIN canonical_events ce ON ce.cluster_id = g.cluster_id
LEFT JOIN scored s ON s.cluster_id = g.cluster_id
ORDER BY g.start_at, g.cluster_id;
"""

# The views, as documented in the README ("The database" and "Questions you can ask").
VIEWS = (
    "event_history",
    "upcoming_events",
    "events_by_region_month",
    "events_by_profession_month",
    "organisers",
    "source_health_daily",
    "event_changes_view",
    "duplicate_clusters",
)
