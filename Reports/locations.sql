-- Locations: the busiest locations at a moment, with how many online users are at each
-- (DESIGN.md, "Presence at a location": a user is at the location of their latest event
-- while online), busiest first, then in byte order of the location, whatever the database's
-- collation. Users whose latest event names no location are left out.
-- As Reports/online.sql, it reads only the window [at - threshold, at] of the log, so its
-- cost follows the users online, not the history.
--
-- $1  at     timestamptz
-- $2  since  timestamptz: at - threshold
-- $3  limit  bigint: the most locations listed
SELECT location, count(*) AS users
FROM (
    SELECT DISTINCT ON (user_id) user_id, location
    FROM seen_events
    WHERE at >= $2::timestamptz AND at <= $1::timestamptz
    ORDER BY user_id, at DESC, id DESC
) AS latest
WHERE location IS NOT NULL
GROUP BY location
ORDER BY users DESC, location COLLATE "C"
LIMIT $3::bigint;
