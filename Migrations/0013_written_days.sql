-- The follower's wake-up reads only the days that hold new events (DESIGN.md, "Growing old
-- well"). presence_fold() of 0008 read the log through every partition's (tx, at, id) index,
-- so a wake-up with nothing to fold started one index scan per day of the log: 0.8 ms with a
-- month of days, 17 ms with a year (Benchmarks/GrowthBenchmarks), and as much again for
-- every batch.
--
-- Now every statement that writes the log notes which UTC days it wrote, under which
-- transaction, in presence_written_days (a statement trigger, so a batch costs one row per
-- day it touches). The projector reads the days of the transactions from its checkpoint on
-- (an index probe), and reads the log with those days as constant bounds, so PostgreSQL plans
-- and scans only their partitions; with no such day there is nothing to read. After each
-- batch the days of transactions below the live checkpoint's, folded whole, are forgotten,
-- and the list is complete only from there on: a checkpoint below that (a rebuild's twins
-- starting from the beginning) reads every partition, as before.
--
-- The triggers fire for INSERT and COPY from any role and also under
-- session_replication_role = replica (ENABLE ALWAYS). An UPDATE of tx (presence_restamp_log
-- after a restore) notes the days too. Rows moved between partitions by
-- presence_ensure_partitions keep their tx and their day.

CREATE TABLE presence_written_days (
    -- The writing transaction (seen_events.tx) and a UTC day it wrote events of.
    tx   xid8 NOT NULL,
    day  date NOT NULL,
    PRIMARY KEY (tx, day)
);
COMMENT ON TABLE presence_written_days IS
    'Presence: the UTC days each transaction wrote events of, from the projector''s checkpoint on.';

-- From which transaction on presence_written_days lists every day written.
CREATE TABLE presence_written_days_complete (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    from_tx    xid8    NOT NULL
);
COMMENT ON TABLE presence_written_days_complete IS
    'Presence: presence_written_days is complete for transactions from from_tx on.';

-- The log's owner runs it for every writer (SECURITY DEFINER, below).
CREATE FUNCTION presence_note_written_days() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO presence_written_days (tx, day)
    SELECT DISTINCT w.tx, (w.at AT TIME ZONE 'UTC')::date FROM written AS w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

DO $$
BEGIN
    EXECUTE format(
        'ALTER FUNCTION presence_note_written_days() SECURITY DEFINER SET search_path = %I, pg_temp',
        current_schema());
END
$$;
REVOKE ALL ON FUNCTION presence_note_written_days() FROM PUBLIC;

CREATE TRIGGER presence_note_inserted_days AFTER INSERT ON seen_events
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION presence_note_written_days();
CREATE TRIGGER presence_note_updated_days AFTER UPDATE ON seen_events
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION presence_note_written_days();
ALTER TABLE seen_events ENABLE ALWAYS TRIGGER presence_note_inserted_days;
ALTER TABLE seen_events ENABLE ALWAYS TRIGGER presence_note_updated_days;

-- What the log already holds after the live checkpoint (the triggers hold writers off
-- until this migration commits).
INSERT INTO presence_written_days (tx, day)
SELECT DISTINCT e.tx, (e.at AT TIME ZONE 'UTC')::date
FROM seen_events AS e, presence_projector AS p
WHERE (e.tx, e.at, e.id) > (p.position_tx, p.position_at, p.position_id);
INSERT INTO presence_written_days_complete (from_tx) SELECT position_tx FROM presence_projector;

-- The days written by the transactions from after_tx on, as a condition on `at` for a
-- statement that reads the log (runs of consecutive days as ranges, written out as
-- constants, so that PostgreSQL plans only their partitions); 'false' when there are none,
-- and null when the list is not complete from after_tx on (read every partition then).
-- As SECURITY DEFINER, for every role that folds; it only reads.
CREATE FUNCTION presence_written_days_since(after_tx xid8) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN after_tx < (SELECT from_tx FROM presence_written_days_complete) THEN NULL
                ELSE coalesce(string_agg(format('(at >= %L AND at < %L)',
                                                first_day::timestamp AT TIME ZONE 'UTC',
                                                (last_day + 1)::timestamp AT TIME ZONE 'UTC'),
                                         ' OR ' ORDER BY first_day), 'false') END
    FROM (
        SELECT min(day) AS first_day, max(day) AS last_day
        FROM (
            SELECT day, day - (row_number() OVER (ORDER BY day))::integer AS run
            FROM (SELECT DISTINCT w.day FROM presence_written_days AS w WHERE w.tx >= after_tx) AS written
        ) AS numbered
        GROUP BY run
    ) AS runs
$$;

-- Forgets the days of the transactions below the live checkpoint's, which have ended and
-- been folded whole (the read horizon lay above them). Only the live checkpoint counts, so a
-- rebuild's twins can never make the list incomplete for the live projector. As SECURITY
-- DEFINER, for every role that folds; what it deletes nobody needs.
CREATE FUNCTION presence_forget_written_days() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    folded_tx xid8 := (SELECT position_tx FROM presence_projector);
BEGIN
    IF folded_tx > (SELECT from_tx FROM presence_written_days_complete) THEN
        DELETE FROM presence_written_days WHERE tx < folded_tx;
        UPDATE presence_written_days_complete SET from_tx = folded_tx;
    END IF;
END
$$;

DO $$
BEGIN
    EXECUTE format(
        'ALTER FUNCTION presence_written_days_since(xid8) SECURITY DEFINER SET search_path = %I, pg_temp',
        current_schema());
    EXECUTE format(
        'ALTER FUNCTION presence_forget_written_days() SECURITY DEFINER SET search_path = %I, pg_temp',
        current_schema());
END
$$;

-- Fills presence_batch with the next batch_size events after the checkpoint below the read
-- horizon, in (tx, at, id) order, and says how many, and whether committed events wait above
-- the horizon. Reads only the days written since the checkpoint when the list of them is
-- complete, else every partition.
CREATE FUNCTION presence_read_batch(
    after_tx xid8, after_at timestamptz, after_id uuid, horizon xid8, batch_size integer,
    OUT read integer, OUT held_back boolean)
LANGUAGE plpgsql AS $$
DECLARE
    days    text := presence_written_days_since(after_tx);
    sorting text := current_setting('enable_sort');
BEGIN
    IF days = 'false' THEN
        read := 0;
        held_back := false;
        RETURN;
    END IF;
    -- The planner underestimates how many rows lie past the checkpoint and would sort them
    -- all; without sorting it merges the partitions' (tx, at, id) indexes and stops after
    -- batch_size rows.
    PERFORM set_config('enable_sort', 'off', true);
    IF days IS NOT NULL THEN
        EXECUTE format(
            'INSERT INTO presence_batch (tx, at, id, user_id, location) '
            'SELECT tx, at, id, user_id, location FROM seen_events '
            'WHERE (tx, at, id) > ($1, $2, $3) AND tx < $4 AND (%s) ORDER BY tx, at, id LIMIT $5', days)
            USING after_tx, after_at, after_id, horizon, batch_size;
        GET DIAGNOSTICS read = ROW_COUNT;
        held_back := false;
        IF read < batch_size THEN
            EXECUTE format(
                'SELECT EXISTS (SELECT 1 FROM seen_events WHERE (tx, at, id) > ($1, $2, $3) AND tx >= $4 AND (%s))', days)
                INTO held_back
                USING after_tx, after_at, after_id, horizon;
        END IF;
    ELSE
        INSERT INTO presence_batch (tx, at, id, user_id, location)
        SELECT tx, at, id, user_id, location
        FROM seen_events
        WHERE (tx, at, id) > (after_tx, after_at, after_id) AND tx < horizon
        ORDER BY tx, at, id
        LIMIT batch_size;
        GET DIAGNOSTICS read = ROW_COUNT;
        held_back := read < batch_size AND EXISTS (
            SELECT 1 FROM seen_events WHERE (tx, at, id) > (after_tx, after_at, after_id) AND tx >= horizon);
    END IF;
    PERFORM set_config('enable_sort', sorting, true);
END
$$;

-- As in 0008, reading through presence_read_batch, and forgetting the written days the live
-- checkpoint has passed.
CREATE OR REPLACE FUNCTION presence_fold(batch_size integer, OUT folded integer, OUT held_back boolean)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    checkpoint presence_projector%ROWTYPE;
    horizon    xid8;
    last_event record;
BEGIN
    SELECT * INTO checkpoint FROM presence_projector FOR UPDATE;
    horizon := pg_snapshot_xmin(pg_current_snapshot());

    IF to_regclass('pg_temp.presence_batch') IS NULL THEN
        CREATE TEMPORARY TABLE presence_batch (
            tx xid8, at timestamptz, id uuid, user_id text, location text
        ) ON COMMIT DELETE ROWS;
    ELSE
        DELETE FROM presence_batch;  -- an earlier batch of the same transaction
    END IF;

    SELECT r.read, r.held_back INTO folded, held_back
    FROM presence_read_batch(checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id, horizon, batch_size) AS r;
    IF folded = 0 THEN
        RETURN;
    END IF;
    SELECT tx, at, id INTO last_event FROM presence_batch ORDER BY tx DESC, at DESC, id DESC LIMIT 1;

    INSERT INTO presence_current AS c (user_id, first_seen, last_seen, last_event_id, last_location, event_count)
    SELECT DISTINCT ON (user_id)
           user_id,
           min(at) OVER (PARTITION BY user_id),
           at, id, location,
           count(*) OVER (PARTITION BY user_id)
    FROM presence_batch
    ORDER BY user_id, at DESC, id DESC
    ON CONFLICT (user_id) DO UPDATE SET
        first_seen = least(c.first_seen, excluded.first_seen),
        last_seen = CASE WHEN (excluded.last_seen, excluded.last_event_id) > (c.last_seen, c.last_event_id)
                         THEN excluded.last_seen ELSE c.last_seen END,
        last_location = CASE WHEN (excluded.last_seen, excluded.last_event_id) > (c.last_seen, c.last_event_id)
                             THEN excluded.last_location ELSE c.last_location END,
        last_event_id = CASE WHEN (excluded.last_seen, excluded.last_event_id) > (c.last_seen, c.last_event_id)
                             THEN excluded.last_event_id ELSE c.last_event_id END,
        event_count = c.event_count + excluded.event_count;

    PERFORM presence_fold_activity();
    PERFORM presence_fold_sessions();

    UPDATE presence_projector
    SET position_tx = last_event.tx, position_at = last_event.at, position_id = last_event.id,
        events = events + folded, updated_at = now();

    PERFORM presence_forget_written_days();
END
$$;
