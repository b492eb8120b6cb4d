-- Last seen: the latest event of one user at or before a moment, and where (DESIGN.md,
-- "Last seen as of t"). Answered from presence_current when its last event is not after the
-- moment (the usual "as of now"), else from the log through seen_events_user_at.
--
-- $1  user      text
-- $2  as_of     timestamptz
WITH projected AS (
    SELECT last_seen, last_location
    FROM presence_current
    WHERE user_id = $1 AND last_seen <= $2::timestamptz
)
SELECT last_seen, last_location AS location FROM projected
UNION ALL
(
    SELECT at, location
    FROM seen_events
    WHERE user_id = $1 AND at <= $2::timestamptz AND NOT EXISTS (SELECT 1 FROM projected)
    ORDER BY at DESC, id DESC
    LIMIT 1
)
LIMIT 1;
