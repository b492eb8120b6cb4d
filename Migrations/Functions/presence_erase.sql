-- Erases one user (DESIGN.md, "Erased user"; 0025): their events in the log, their traces in
-- the projections, live and twin, and their hiding; records how many events went, and when.
-- Returns that number.
--
-- It deletes from the log only in the days that can hold the user's events: those of the
-- quarter hours the live projections folded for them (user_activity's and its packed days'
-- keys), and those written since the live checkpoint (presence_written_days), as constants,
-- so that PostgreSQL plans and reads only their partitions (and the default one, which holds
-- the days without one). Through every partition, the delete took 166 ms to plan and run
-- with a year of days kept, against 37 ms with 45 days. When the list of written days is not
-- complete from the live checkpoint on, it reads every partition. Retention's dropped days
-- are in no partition. Edit this file in place: the Migrator applies it again when its text
-- changes.
CREATE OR REPLACE FUNCTION presence_erase(erased text) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    live    presence_projector%ROWTYPE;
    twin    presence_next.presence_projector%ROWTYPE;
    schema  text := current_schema();
    written text;
    days    text := 'true';
    deleted bigint;
BEGIN
    -- No batch folds beside it, live or twin: a batch holds its checkpoint the same way.
    SELECT * INTO live FROM presence_projector FOR UPDATE;
    SELECT * INTO twin FROM presence_next.presence_projector FOR UPDATE;

    written := presence_written_days_since(live.position_tx);
    IF written IS NOT NULL THEN
        days := presence_day_ranges(ARRAY(
            SELECT (a.quarter AT TIME ZONE 'UTC')::date FROM user_activity AS a WHERE a.user_id = erased
            UNION
            SELECT d.day FROM user_activity_days AS d WHERE d.user_id = erased
        )) || ' OR ' || written;
    END IF;

    -- presence_erase_projections reads the unpacked visits' keys from it.
    CREATE TEMPORARY TABLE presence_erased_events (tx xid8, at timestamptz, id uuid, location text) ON COMMIT DROP;
    EXECUTE format(
        'WITH gone AS (DELETE FROM seen_events WHERE user_id = $1 AND (%s) RETURNING tx, at, id, location) '
        'INSERT INTO presence_erased_events (tx, at, id, location) SELECT tx, at, id, location FROM gone', days)
        USING erased;
    GET DIAGNOSTICS deleted = ROW_COUNT;

    -- The events the checkpoints had folded no longer count as folded.
    UPDATE presence_projector
    SET events = events - (SELECT count(*) FROM presence_erased_events AS e
                           WHERE (e.tx, e.at, e.id) <= (live.position_tx, live.position_at, live.position_id));
    UPDATE presence_next.presence_projector
    SET events = events - (SELECT count(*) FROM presence_erased_events AS e
                           WHERE (e.tx, e.at, e.id) <= (twin.position_tx, twin.position_at, twin.position_id));

    PERFORM presence_erase_projections(erased);
    PERFORM set_config('search_path', format('presence_next, %I, pg_temp', schema), true);
    PERFORM presence_erase_projections(erased);
    PERFORM set_config('search_path', format('%I, pg_temp', schema), true);
    DROP TABLE presence_erased_events;

    DELETE FROM presence_hidden_users WHERE user_id = erased;
    INSERT INTO presence_erasures (events) VALUES (deleted);
    RETURN deleted;
END
$$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION presence_erase(text) SECURITY DEFINER SET search_path = %I, pg_temp', current_schema());
END
$$;
