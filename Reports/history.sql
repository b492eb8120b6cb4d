-- History: one user's sessions that start in [from, to), oldest first (DESIGN.md, "Session";
-- the gap is presence_settings.session_gap, 30 minutes unless changed).
--
-- $1  user  text
-- $2  from  timestamptz
-- $3  to    timestamptz
SELECT session_start, session_end,
       extract(epoch FROM session_end - session_start)::float8 AS duration_seconds,
       events
FROM user_sessions
WHERE user_id = $1 AND session_start >= $2::timestamptz AND session_start < $3::timestamptz
ORDER BY session_start;
