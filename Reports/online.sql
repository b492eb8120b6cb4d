-- Online: the users online at a moment, most recent first, with their last seen as of that
-- moment and where (DESIGN.md, "Online at t": t - threshold <= last seen as of t); with a
-- location, only those at it ("Presence at a location": their latest event is there).
-- Every such user has an event in [t - threshold, t], so only that window of the log is read,
-- through its (at, id) key; the same query serves any moment, past or now. The window's start
-- comes as a value of its own, not as t - threshold: PostgreSQL plans only the partitions a
-- query's values select, and with an expression it would plan every day of the log (about
-- 25 ms with a year of days) before pruning them at run time.
--
-- $1  at        timestamptz
-- $2  since     timestamptz: at - threshold
-- $3  location  text: NULL for anywhere
-- $4  prefix    boolean: whether $3 is the start of the location rather than all of it
SELECT user_id, last_seen, location
FROM (
    SELECT DISTINCT ON (user_id) user_id, at AS last_seen, location
    FROM seen_events
    WHERE at >= $2::timestamptz AND at <= $1::timestamptz
    ORDER BY user_id, at DESC, id DESC
) AS latest
WHERE $3::text IS NULL
   OR (CASE WHEN $4::boolean THEN starts_with(location, $3::text) ELSE location = $3::text END)
ORDER BY last_seen DESC, user_id;
