-- presence_log_sessions() of 0009 read the right days, but PostgreSQL could not see that when
-- it planned: its bounds (range_from - gap, and each followed session's next gap) were
-- expressions and values of other rows, so every statement was planned over every partition
-- of the log and pruned only when it ran. With a year of partitions a one-day report took
-- 4.5 s (36 ms with a month). The growth benchmark showed it (Benchmarks/GrowthBenchmarks).
--
-- Now each statement is run with EXECUTE, its bounds passed as values, so that PostgreSQL
-- plans only the partitions of the window: the window's runs first, then the sessions still
-- going at its end, all of them together, one gap at a time, each step bounded by the
-- earliest and the latest of their last events.

-- The sessions (DESIGN.md, "Session") of the log cut with the given gap that start in
-- [range_from, range_to), with their events.
CREATE OR REPLACE FUNCTION presence_log_sessions(range_from timestamptz, range_to timestamptz, gap interval)
RETURNS TABLE (user_id text, session_start timestamptz, session_end timestamptz, events bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    going  record;
    ended  record;
BEGIN
    -- The window's events cut into runs at gaps longer than `gap`; those that start in the
    -- range are its sessions, as far as the window reaches. Those whose last event lies
    -- after range_to may go on past it.
    EXECUTE $sql$
        SELECT array_agg(numbered.user_id) FILTER (WHERE last_at > $4) AS users,
               array_agg(first_at) FILTER (WHERE last_at > $4) AS starts,
               array_agg(last_at) FILTER (WHERE last_at > $4) AS lasts,
               array_agg(n) FILTER (WHERE last_at > $4) AS counts,
               array_agg(numbered.user_id) FILTER (WHERE last_at <= $4) AS done_users,
               array_agg(first_at) FILTER (WHERE last_at <= $4) AS done_starts,
               array_agg(last_at) FILTER (WHERE last_at <= $4) AS done_lasts,
               array_agg(n) FILTER (WHERE last_at <= $4) AS done_counts
        FROM (
            SELECT runs.user_id, min(runs.at) AS first_at, max(runs.at) AS last_at, count(*) AS n
            FROM (
                SELECT marked.user_id, marked.at,
                       count(*) FILTER (WHERE marked.starts) OVER (
                           PARTITION BY marked.user_id ORDER BY marked.at ROWS UNBOUNDED PRECEDING) AS run
                FROM (
                    SELECT e.user_id, e.at,
                           coalesce(e.at - lag(e.at) OVER (PARTITION BY e.user_id ORDER BY e.at) > $5, true) AS starts
                    FROM seen_events AS e
                    WHERE e.at >= $1 AND e.at <= $2
                ) AS marked
            ) AS runs
            GROUP BY runs.user_id, runs.run
            HAVING min(runs.at) >= $3 AND min(runs.at) < $4
        ) AS numbered
        $sql$
        INTO going
        USING range_from - gap, range_to + gap, range_from, range_to, gap;

    RETURN QUERY SELECT * FROM unnest(going.done_users, going.done_starts, going.done_lasts, going.done_counts);

    -- Follow the sessions still going: the events of each one's next gap, from its last event,
    -- until a step finds none. A user's next event can lie up to one gap after the last.
    WHILE going.users IS NOT NULL LOOP
        EXECUTE $sql$
            SELECT array_agg(f.user_id) FILTER (WHERE next.n > 0) AS users,
                   array_agg(f.first_at) FILTER (WHERE next.n > 0) AS starts,
                   array_agg(next.last_at) FILTER (WHERE next.n > 0) AS lasts,
                   array_agg(f.n + next.n) FILTER (WHERE next.n > 0) AS counts,
                   array_agg(f.user_id) FILTER (WHERE next.n = 0) AS done_users,
                   array_agg(f.first_at) FILTER (WHERE next.n = 0) AS done_starts,
                   array_agg(f.last_at) FILTER (WHERE next.n = 0) AS done_lasts,
                   array_agg(f.n) FILTER (WHERE next.n = 0) AS done_counts
            FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::bigint[]) AS f(user_id, first_at, last_at, n)
            CROSS JOIN LATERAL (
                SELECT max(e.at) AS last_at, count(*) AS n
                FROM seen_events AS e
                WHERE e.user_id = f.user_id AND e.at > f.last_at AND e.at <= f.last_at + $5
                  AND e.at > $6 AND e.at <= $7
            ) AS next
            $sql$
            INTO ended
            USING going.users, going.starts, going.lasts, going.counts, gap,
                  (SELECT min(l) FROM unnest(going.lasts) AS l), (SELECT max(l) FROM unnest(going.lasts) AS l) + gap;
        RETURN QUERY SELECT * FROM unnest(ended.done_users, ended.done_starts, ended.done_lasts, ended.done_counts);
        going := ended;
    END LOOP;
END
$$;
