-- A set of UTC days as a condition on `at` for a statement that reads the log: runs of
-- consecutive days as ranges, written out as constants so that PostgreSQL plans only their
-- partitions; 'false' when there are none (0013's presence_written_days_since, and an
-- erasure). PL/pgSQL, whose plan a session keeps: as an SQL function it was planned again at
-- every call, which cost the follower's idle wake-up about 0.15 ms. Edit this file in place:
-- the Migrator applies it again when its text changes.
CREATE OR REPLACE FUNCTION presence_day_ranges(days date[]) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
        SELECT coalesce(string_agg(format('(at >= %L AND at < %L)',
                                          first_day::timestamp AT TIME ZONE 'UTC',
                                          (last_day + 1)::timestamp AT TIME ZONE 'UTC'),
                                   ' OR ' ORDER BY first_day), 'false')
        FROM (
            SELECT min(day) AS first_day, max(day) AS last_day
            FROM (
                SELECT day, day - (row_number() OVER (ORDER BY day))::integer AS run
                FROM (SELECT DISTINCT d AS day FROM unnest(days) AS d WHERE d IS NOT NULL) AS listed
            ) AS numbered
            GROUP BY run
        ) AS runs
    );
END
$$;
