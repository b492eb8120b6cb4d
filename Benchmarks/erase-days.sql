-- Erasure with and without its days (Migrations/Functions/presence_erase.sql), on the same
-- users in the same session: each erased twice in a subtransaction that is rolled back, once
-- through the days that can hold their events and once through every partition (the list
-- of days written made incomplete, as before the fix). Prints the medians of 20 users seen
-- on the last day whose first event is at most `past` old, the first unmeasured.
-- On copies of the growth benchmark's histories, in its embedded server:
--   PGHOST=Benchmarks/.presence/socket PGUSER=postgres \
--     psql -XAq -d COPY -v past='3 days' -f Benchmarks/erase-days.sql
CREATE FUNCTION pg_temp.time_erase(erased text, every_partition boolean) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    started      timestamptz;
    milliseconds float8;
BEGIN
    BEGIN
        IF every_partition THEN
            UPDATE presence_written_days_complete SET from_tx = pg_current_xact_id();
        END IF;
        started := clock_timestamp();
        PERFORM presence_erase(erased);
        milliseconds := extract(epoch FROM clock_timestamp() - started) * 1000;
        RAISE EXCEPTION 'undone';
    EXCEPTION WHEN raise_exception THEN
        RETURN milliseconds;
    END;
END
$$;

WITH latest AS (SELECT max(last_seen) AS at FROM presence_current),
users AS (
    SELECT c.user_id, c.event_count, row_number() OVER (ORDER BY c.user_id) AS n
    FROM presence_current AS c, latest
    WHERE c.first_seen >= latest.at - :'past'::interval AND c.last_seen >= latest.at - interval '1 day'
    ORDER BY c.user_id
    LIMIT 21
),
runs AS (
    SELECT n, event_count,
           pg_temp.time_erase(user_id, false) AS days_only,
           pg_temp.time_erase(user_id, true) AS every_partition
    FROM users
    ORDER BY n
)
SELECT current_database() AS history, :'past' AS past, count(*) AS users, round(avg(event_count), 1) AS events_each,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY days_only)::numeric, 2) AS days_only_ms,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY every_partition)::numeric, 2) AS every_partition_ms
FROM runs
WHERE n > 1;
