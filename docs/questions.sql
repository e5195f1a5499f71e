-- Questions you can ask: the SQL examples in the README, kept here so that
-- tests/test_questions.py runs every one against a database built by real refreshes
-- (and checks that the README shows each exactly as written here). Each entry starts
-- with a "-- name:" line; the README shows the lines after it.
-- Run them with `convene query "..."`, the duckdb command-line tool or Python, against
-- data/analysis.duckdb (the analysts' copy) or data/convene.duckdb.

-- name: coming-up-in-a-region
-- What is on in Yorkshire and The Humber in the next 30 days?
SELECT start_at, title, place, organiser, url
FROM upcoming_events
WHERE list_contains(regions, 'yorkshire-and-the-humber')
  AND start_at < now() + INTERVAL 30 DAY
ORDER BY start_at;

-- name: free-events-for-a-profession
-- Free events coming up for people working in data, and who may go
SELECT start_at, title, organiser, coalesce(restricted, 'anyone') AS open_to, url
FROM upcoming_events
WHERE list_contains(professions, 'data') AND free
ORDER BY start_at;

-- name: regions-by-month
-- Events per month in each region over the next six months (one column per region)
PIVOT (
    SELECT * FROM events_by_region_month
    WHERE month >= date_trunc('month', current_date)
      AND month < date_trunc('month', current_date) + INTERVAL 6 MONTH
) ON region USING sum(events) GROUP BY month ORDER BY month;

-- name: growing-professions
-- Which professions have more events in the next three months than in the last three?
SELECT profession,
       coalesce(sum(events) FILTER (WHERE month < date_trunc('month', current_date)), 0)
           AS last_3_months,
       coalesce(sum(events) FILTER (WHERE month >= date_trunc('month', current_date)), 0)
           AS next_3_months
FROM events_by_profession_month
WHERE month >= date_trunc('month', current_date) - INTERVAL 3 MONTH
  AND month < date_trunc('month', current_date) + INTERVAL 3 MONTH
GROUP BY profession
ORDER BY next_3_months - last_3_months DESC, profession;

-- name: busiest-organisers
-- The most active organisers: events in the last year and still to come
SELECT organiser, events_last_year, upcoming, next_event, next_event_start
FROM organisers
ORDER BY events_last_year + upcoming DESC, organiser
LIMIT 10;

-- name: quiet-organisers
-- Organisers who ran events in the last year but have nothing coming up
SELECT organiser, events_last_year
FROM organisers
WHERE events_last_year > 0 AND upcoming = 0
ORDER BY events_last_year DESC, organiser;

-- name: failing-sources
-- Sources that failed in the last week, with the last error
SELECT day, source, failed, fetches, last_status, last_error
FROM source_health_daily
WHERE failed > 0 AND day >= current_date - 7
ORDER BY day DESC, source;

-- name: source-reliability
-- How reliable each source has been over the last 30 days
SELECT source_id, sum(fetches) AS fetches,
       round(100 * sum(succeeded) / sum(fetches), 1) AS success_percent,
       max(events_found) AS most_events_found, max(median_ms) AS slowest_median_ms
FROM source_health_daily
WHERE day >= current_date - 30
GROUP BY source_id
ORDER BY success_percent, source_id;

-- name: recent-reschedules-and-cancellations
-- Events moved or cancelled in the last 30 days, as each source reported it
SELECT seen_at, change, title, source, summary
FROM event_changes_view
WHERE change IN ('rescheduled', 'cancelled') AND seen_at >= now() - INTERVAL 30 DAY
ORDER BY seen_at DESC, title, summary;

-- name: events-listed-twice
-- Events that several sources list, weakest match first (to check the deduplication)
SELECT title, start_at, members, sources, min_score, titles
FROM duplicate_clusters
ORDER BY min_score NULLS FIRST, start_at;

-- name: online-share-by-month
-- How many of the coming months' events are online, in person or both
SELECT CAST(date_trunc('month', start_at AT TIME ZONE 'Europe/London') AS DATE) AS month,
       count(*) FILTER (WHERE attendance = 'online') AS online,
       count(*) FILTER (WHERE attendance = 'in-person') AS in_person,
       count(*) FILTER (WHERE attendance IN ('mixed', 'unknown')) AS mixed_or_unknown
FROM upcoming_events
GROUP BY month
ORDER BY month;

-- name: restricted-events
-- Upcoming events not open to everyone (civil servants, the public sector, invitation)
SELECT start_at, title, restricted, organiser, url
FROM upcoming_events
WHERE restricted IS NOT NULL
ORDER BY start_at;
