-- Activity histogram (DESIGN.md): per bucket [start, end) of an hour, a day or an ISO week
-- (Monday start) aligned to local time in a time zone, the number of events and of distinct
-- users. `from` is rounded down to the start of its bucket; every bucket that starts in the
-- widened [from, to) is listed, empty ones too. A day across a daylight-saving change lasts
-- 23 or 25 hours. Answered from user_activity (events per user per UTC quarter hour, read
-- through presence_activity, Migration 0016): every zone's offset is whole quarter hours, so
-- each bucket is a union of whole quarters.
--
-- $1  from    timestamptz
-- $2  to      timestamptz
-- $3  bucket  text: 'hour', 'day' or 'week'
-- $4  tz      text: an IANA time zone name, e.g. 'Europe/Berlin'
WITH buckets AS (
    -- Hours step in absolute time (a local hour is an hour long even across a change). The
    -- first starts where from's local hour began: from less its minutes into that hour (turning
    -- the local hour back into a time would pick the later of a fall-back's repeated hours).
    SELECT start, start + interval '1 hour' AS finish
    FROM generate_series(
        $1::timestamptz - ($1::timestamptz AT TIME ZONE $4 - date_trunc('hour', $1::timestamptz AT TIME ZONE $4)),
        $2::timestamptz - interval '1 microsecond',
        interval '1 hour') AS start
    WHERE $3 = 'hour'
    UNION ALL
    -- Days and weeks step in local calendar time, so their length follows the changes.
    SELECT local_start AT TIME ZONE $4, (local_start + ('1 ' || $3)::interval) AT TIME ZONE $4
    FROM generate_series(
        date_trunc($3, $1::timestamptz AT TIME ZONE $4),
        $2::timestamptz AT TIME ZONE $4,
        ('1 ' || $3)::interval) AS local_start
    WHERE $3 IN ('day', 'week') AND local_start AT TIME ZONE $4 < $2::timestamptz
),
edges AS (
    -- The buckets follow each other without gaps: their starts and the last one's end, in order.
    SELECT array_agg(start ORDER BY start) || max(finish) AS edges FROM buckets
),
counts AS (
    -- Each row's bucket start: hours step in absolute time from the first; a day or week is a
    -- binary search in the edges (null outside them). A user counts in a bucket once, on the
    -- row whose previous quarter lies before the bucket's start (or is null).
    SELECT CASE WHEN $3 = 'hour' THEN date_bin('1 hour', a.quarter, (SELECT edges[1] FROM edges))
                ELSE (SELECT edges FROM edges)[width_bucket(a.quarter, (SELECT edges FROM edges))] END AS start,
           sum(a.events) AS events,
           count(*) FILTER (
               WHERE a.previous_quarter IS NULL
                  OR a.previous_quarter < CASE WHEN $3 = 'hour' THEN date_bin('1 hour', a.quarter, (SELECT edges[1] FROM edges))
                                               ELSE (SELECT edges FROM edges)[width_bucket(a.quarter, (SELECT edges FROM edges))] END
           ) AS users
    -- No bucket reaches further than one bucket and a day (the largest change of a zone's
    -- offset) beyond [from, to): a range the planner can see, unlike the edges, and computes
    -- once (in local time it is constant; interval input and timestamptz arithmetic are not).
    -- Rows outside the edges fall into no listed bucket.
    FROM presence_activity(
        (($1::timestamptz AT TIME ZONE $4)
         - CASE $3 WHEN 'hour' THEN interval '1 hour' WHEN 'day' THEN interval '1 day' ELSE interval '1 week' END
         - interval '1 day') AT TIME ZONE $4,
        (($2::timestamptz AT TIME ZONE $4)
         + CASE $3 WHEN 'hour' THEN interval '1 hour' WHEN 'day' THEN interval '1 day' ELSE interval '1 week' END
         + interval '1 day') AT TIME ZONE $4) AS a
    GROUP BY 1
)
SELECT b.start, b.finish AS "end", coalesce(c.events, 0)::int8 AS events, coalesce(c.users, 0) AS users
FROM buckets AS b
LEFT JOIN counts AS c ON c.start = b.start
ORDER BY b.start;
