-- Activity histogram (DESIGN.md): per bucket [start, end) of an hour, a day or an ISO week
-- (Monday start) aligned to local time in a time zone, the number of events and of distinct
-- users. `from` is rounded down to the start of its bucket; every bucket that starts in the
-- widened [from, to) is listed, empty ones too. A day across a daylight-saving change lasts
-- 23 or 25 hours. Answered from user_activity (events per user per UTC quarter hour): every
-- zone's offset is whole quarter hours, so each bucket is a union of whole quarters.
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
)
SELECT b.start, b.finish AS "end", coalesce(sum(a.events), 0)::int8 AS events, count(DISTINCT a.user_id) AS users
FROM buckets AS b
LEFT JOIN user_activity AS a ON a.quarter >= b.start AND a.quarter < b.finish
GROUP BY b.start, b.finish
ORDER BY b.start;
