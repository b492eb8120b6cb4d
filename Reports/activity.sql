-- Activity histogram (DESIGN.md): per bucket [start, end) of an hour, a day or an ISO week
-- (Monday start) aligned to local time in a time zone, the number of events and of distinct
-- users. `from` is rounded down to the start of its bucket; every bucket that starts in the
-- widened [from, to) is listed, empty ones too. A day across a daylight-saving change lasts
-- 23 or 25 hours, and a local hour ends at every clock change (DESIGN.md, "Local time
-- edges"): the hour that repeats is a bucket of its own. Answered from user_activity (events
-- per user per UTC quarter hour, read through presence_activity, Migration 0016): every
-- zone's offset is whole quarter hours, so each bucket is a union of whole quarters.
--
-- $1  from    timestamptz
-- $2  to      timestamptz
-- $3  bucket  text: 'hour', 'day' or 'week'
-- $4  tz      text: an IANA time zone name, e.g. 'Europe/Berlin'
WITH edges AS (
    -- The local hours, days or ISO weeks as DESIGN.md's "Local time edges" define them: each
    -- bucket runs from one edge to the next (presence_local_edges, Migration 0018).
    SELECT presence_local_edges($1::timestamptz, $2::timestamptz, $3, $4) AS edges
),
buckets AS (
    SELECT e.edges[i] AS start, e.edges[i + 1] AS finish
    FROM edges AS e, generate_subscripts(e.edges, 1) AS i
    WHERE i < cardinality(e.edges)
),
counts AS (
    -- Each row's bucket start, a binary search in the edges (null before the first; the last
    -- edge, which starts no bucket, after them). A user counts in a bucket once, on the row
    -- whose previous quarter lies before the bucket's start (or is null).
    SELECT (SELECT edges FROM edges)[width_bucket(a.quarter, (SELECT edges FROM edges))] AS start,
           sum(a.events) AS events,
           count(*) FILTER (
               WHERE a.previous_quarter IS NULL
                  OR a.previous_quarter < (SELECT edges FROM edges)[width_bucket(a.quarter, (SELECT edges FROM edges))]
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
