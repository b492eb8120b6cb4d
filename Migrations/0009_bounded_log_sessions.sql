-- The sessions report with another gap than the projector's reads the log bounded by its range
-- (DESIGN.md, "Growing old well"). presence_log_sessions() of 0004 read every event from
-- `range_from - gap` to the end of the log: a one-day report 120 days back read 120 days.
--
-- Now it reads the events of [range_from - gap, range_to + gap] through the partitions of
-- those days, and follows only the sessions that are still going on at the end of that
-- window, each through its user's (user_id, at) index, one gap at a time, until a gap longer
-- than `gap` ends it. Which sessions start in the range needs no more: a session starts at an
-- event with no event in the gap before it, and the window begins one gap before the range.

-- The sessions (DESIGN.md, "Session") of the log cut with the given gap that start in
-- [range_from, range_to), with their events.
CREATE OR REPLACE FUNCTION presence_log_sessions(range_from timestamptz, range_to timestamptz, gap interval)
RETURNS TABLE (user_id text, session_start timestamptz, session_end timestamptz, events bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    WITH RECURSIVE runs AS (
        -- The window's events cut into runs at gaps longer than `gap`; the runs that start in
        -- the range are its sessions, as far as the window reaches.
        SELECT numbered.user_id, min(numbered.at) AS first_at, max(numbered.at) AS last_at, count(*) AS events
        FROM (
            SELECT marked.user_id, marked.at,
                   count(*) FILTER (WHERE marked.starts) OVER (
                       PARTITION BY marked.user_id ORDER BY marked.at ROWS UNBOUNDED PRECEDING) AS run
            FROM (
                SELECT e.user_id, e.at,
                       coalesce(e.at - lag(e.at) OVER (PARTITION BY e.user_id ORDER BY e.at) > gap, true) AS starts
                FROM seen_events AS e
                WHERE e.at >= range_from - gap AND e.at <= range_to + gap
            ) AS marked
        ) AS numbered
        GROUP BY numbered.user_id, numbered.run
        HAVING min(numbered.at) >= range_from AND min(numbered.at) < range_to
    ),
    followed AS (
        -- A run whose last event lies after range_to may go on past the window (its next event
        -- can lie up to one gap after it): take the user's events of the next gap, and again
        -- from the last of them, until there are none.
        SELECT r.user_id, r.first_at, r.last_at, r.events FROM runs AS r WHERE r.last_at > range_to
        UNION ALL
        SELECT f.user_id, f.first_at, next.last_at, f.events + next.events
        FROM followed AS f
        CROSS JOIN LATERAL (
            SELECT max(e.at) AS last_at, count(*) AS events
            FROM seen_events AS e
            WHERE e.user_id = f.user_id AND e.at > f.last_at AND e.at <= f.last_at + gap
        ) AS next
        WHERE next.events > 0
    )
    SELECT r.user_id, r.first_at, r.last_at, r.events FROM runs AS r WHERE r.last_at <= range_to
    UNION ALL
    SELECT f.user_id, f.first_at, max(f.last_at), max(f.events) FROM followed AS f GROUP BY f.user_id, f.first_at;
END
$$;
