-- Online: the users online at a moment, most recent first, with their last seen as of that
-- moment and where (DESIGN.md, "Online at t": t - threshold <= last seen as of t); with a
-- location, only those at it ("Presence at a location": their latest event is there). Hidden
-- users (presence_hidden_users, Migration 0025) are left out, as the list names users to
-- others, unless $6 asks for them too, marked hidden, to be counted (the HTML page's count).
--
-- Every such user has an event in [t - threshold, t], so only that window of the log is read,
-- through its (at, id) key; the same query serves any moment, past or now. The window's start
-- comes as a value of its own, not as t - threshold: PostgreSQL plans only the partitions a
-- query's values select, and with an expression it would plan every day of the log (about
-- 25 ms with a year of days) before pruning them at run time.
--
-- Once retention has dropped a day of the window from the log, the projector's online spans
-- (Migrations 0020 and 0022, read through presence_online_spans()) are the only record of
-- it: with the projector's threshold, the users come from them too (while the log holds the
-- window, it alone answers the same, and the spans are not read). A user the log still has takes last seen and
-- location from it (it also holds the events the projector has not folded yet); one it no
-- longer has takes them from their span's last event when that lies at or before t, and has
-- neither (null) when t lies between the span's first and last events, whose times were
-- dropped. A location asked about then matches only a known location.
--
-- $1  at         timestamptz
-- $2  since      timestamptz: at - threshold
-- $3  location   text: NULL for anywhere
-- $4  prefix     boolean: whether $3 is the start of the location rather than all of it
-- $5  threshold  interval
-- $6  hidden     boolean: whether hidden users are in the answer too; false for a list shown
--                to others
SELECT online.user_id, online.last_seen, online.location, h.user_id IS NOT NULL AS hidden
FROM (
    SELECT user_id,
           coalesce(logged.last_seen, spanned.last_seen) AS last_seen,
           CASE WHEN logged.user_id IS NULL THEN spanned.location ELSE logged.location END AS location
    FROM (
        SELECT DISTINCT ON (user_id) user_id, at AS last_seen, location
        FROM seen_events
        WHERE at >= $2::timestamptz AND at <= $1::timestamptz
        ORDER BY user_id, at DESC, id DESC
    ) AS logged
    FULL JOIN (
        SELECT s.user_id,
               CASE WHEN s.last_at <= $1::timestamptz THEN s.last_at END AS last_seen,
               CASE WHEN s.last_at <= $1::timestamptz THEN s.last_location END AS location
        FROM presence_online_spans(tstzrange($2::timestamptz, $1::timestamptz, '[]')) AS s
        WHERE $5::interval = (SELECT online_threshold FROM presence_settings)
          AND EXISTS (
              SELECT 1 FROM presence_dropped_partitions AS d
              WHERE d.day >= ($2::timestamptz AT TIME ZONE 'UTC')::date AND d.day <= ($1::timestamptz AT TIME ZONE 'UTC')::date)
    ) AS spanned USING (user_id)
) AS online
LEFT JOIN presence_hidden_users AS h ON h.user_id = online.user_id
WHERE ($3::text IS NULL
       OR (CASE WHEN $4::boolean THEN starts_with(online.location, $3::text) ELSE online.location = $3::text END))
  AND ($6::boolean OR h.user_id IS NULL)
ORDER BY online.last_seen DESC NULLS LAST, online.user_id;
