-- Hour of day by weekday: the weekly rhythm behind the HTML page's heat map. For each local
-- ISO weekday (1 = Monday … 7 = Sunday) and local hour (0–23) of a time zone, the events in
-- those hours of the range and the distinct users with an event in any of them. The range is
-- the local hours that start in [from rounded down to its hour, to), the activity report's
-- hour buckets; every one of the 7 × 24 slots is listed, empty ones too. Across a
-- daylight-saving change the repeated hour counts twice into its slot and the skipped one not
-- at all. Answered from user_activity (through presence_activity, Migration 0016): every
-- zone's offset is whole quarter hours, so each quarter lies in one local hour.
--
-- $1  from  timestamptz
-- $2  to    timestamptz
-- $3  tz    text: an IANA time zone name
WITH hours AS (
    -- The first local hour's start and the last one's end (DESIGN.md, "Local time edges"):
    -- when `from` falls in a repeated hour, the start of that one, not of the later. Each
    -- from the edges around its own moment, so that a range of years lists no hours.
    SELECT (presence_local_edges($1::timestamptz, $1::timestamptz, 'hour', $3))[1] AS first_start,
           (SELECT e[cardinality(e)] FROM presence_local_edges($2::timestamptz, $2::timestamptz, 'hour', $3) AS e) AS last_end
),
slots AS (
    SELECT weekday, hour
    FROM generate_series(1, 7) AS weekday, generate_series(0, 23) AS hour
),
counts AS (
    SELECT extract(isodow FROM a.quarter AT TIME ZONE $3)::int AS weekday,
           extract(hour FROM a.quarter AT TIME ZONE $3)::int AS hour,
           sum(a.events) AS events,
           count(DISTINCT a.user_id) AS users
    FROM hours, presence_activity(hours.first_start, hours.last_end) AS a
    GROUP BY 1, 2
)
SELECT s.weekday, s.hour, coalesce(c.events, 0)::int8 AS events, coalesce(c.users, 0)::int8 AS users
FROM slots AS s
LEFT JOIN counts AS c USING (weekday, hour)
ORDER BY s.weekday, s.hour;
