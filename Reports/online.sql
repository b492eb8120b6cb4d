-- Online: the users online at a moment, most recent first, with their last seen as of that
-- moment and where (DESIGN.md, "Online at t": t - threshold <= last seen as of t).
-- Every such user has an event in [t - threshold, t], so only that window of the log is read,
-- through its (at, id) key; the same query serves any moment, past or now.
--
-- $1  at         timestamptz
-- $2  threshold  interval
SELECT user_id, last_seen, location
FROM (
    SELECT DISTINCT ON (user_id) user_id, at AS last_seen, location
    FROM seen_events
    WHERE at >= $1::timestamptz - $2::interval AND at <= $1::timestamptz
    ORDER BY user_id, at DESC, id DESC
) AS latest
ORDER BY last_seen DESC, user_id;
