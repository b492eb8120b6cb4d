-- Retention at any isolation level (issue 12). presence_drop_old_partitions (0005) checks
-- every old partition for an event the projector has not folded after it holds the log's
-- lock, so that a writer that commits while it waits for the lock is seen and its day kept.
-- That holds at READ COMMITTED, where each statement sees what committed before it. Where a
-- database or role sets default_transaction_isolation to REPEATABLE READ or SERIALIZABLE, the
-- whole call reads the snapshot taken when it began, before the wait: the late writer's event
-- was invisible, and dropped with its partition.
--
-- Now it refuses to drop at any other level, with an error that says how to run it, and
-- presence retention (Retention.swift) runs it in a READ COMMITTED transaction of its own,
-- whatever the default. A dry run drops nothing and runs at any level.

-- As in 0005, refusing to drop outside READ COMMITTED.
CREATE OR REPLACE FUNCTION presence_drop_old_partitions(keep interval, dry_run boolean DEFAULT false)
RETURNS TABLE (partition_name text, partition_day date, size_bytes bigint, outcome text)
LANGUAGE plpgsql AS $$
DECLARE
    cutoff      timestamptz;
    checkpoint  presence_projector%ROWTYPE;
    candidate   record;
    unfolded    boolean;
BEGIN
    IF keep IS NULL OR keep < interval '1 day' THEN
        RAISE EXCEPTION 'presence_drop_old_partitions keeps at least 1 day of raw events, asked to keep %', keep
            USING HINT = 'Reports of the moment (online) read the last minutes of the log.';
    END IF;
    cutoff := now() - keep;
    IF NOT EXISTS (
        SELECT 1 FROM presence_log_partitions() AS p
        WHERE (p.partition_day + 1)::timestamp AT TIME ZONE 'UTC' <= cutoff
    ) THEN
        RETURN;
    END IF;

    IF dry_run THEN
        SELECT * INTO checkpoint FROM presence_projector;
    ELSE
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'retention drops raw events only in a READ COMMITTED transaction, and this one is %', upper(current_setting('transaction_isolation'))
                USING ERRCODE = 'invalid_transaction_state',
                      DETAIL = 'At a stricter level its check for events the projector has not folded would not see a writer that commits while retention waits for the log, and would drop that event.',
                      HINT = 'Run it in a transaction of its own: BEGIN ISOLATION LEVEL READ COMMITTED; SELECT * FROM presence_drop_old_partitions(...); COMMIT; presence retention does so.';
        END IF;
        IF current_setting('lock_timeout') IN ('0', '') THEN
            PERFORM set_config('lock_timeout', '10s', true);
        END IF;
        SELECT * INTO checkpoint FROM presence_projector FOR SHARE;
        LOCK TABLE seen_events IN ACCESS EXCLUSIVE MODE;
    END IF;

    FOR candidate IN
        SELECT p.partition_name AS name, p.partition_day AS day
        FROM presence_log_partitions() AS p
        WHERE (p.partition_day + 1)::timestamp AT TIME ZONE 'UTC' <= cutoff
    LOOP
        partition_name := candidate.name;
        partition_day := candidate.day;
        size_bytes := pg_total_relation_size(format('%I', candidate.name)::regclass);
        -- Through the partition's (tx, at, id) index: the first unfolded row is found at once.
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE (tx, at, id) > ($1, $2, $3))', candidate.name)
            INTO unfolded
            USING checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id;
        IF unfolded THEN
            outcome := 'unprojected';
        ELSIF dry_run THEN
            outcome := 'would_drop';
        ELSE
            EXECUTE format('DROP TABLE %I', candidate.name);
            INSERT INTO presence_dropped_partitions (day, name)
            VALUES (candidate.day, candidate.name)
            ON CONFLICT (day) DO UPDATE SET name = excluded.name, dropped_at = now();
            outcome := 'dropped';
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
