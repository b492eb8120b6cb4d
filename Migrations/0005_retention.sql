-- Retention (README, "Retention"): the raw log's daily partitions older than a period are
-- dropped, but only once the projector has folded in every event they hold; the projections
-- (last seen, sessions, activity) keep what those events said. Also the step that makes a
-- log restored from another server foldable again (README, "Backup and restore").

-- The days whose raw events retention dropped. The projections are then the only record of
-- those days, which presence_rebuild() would lose: see presence_keep_dropped_days below.
CREATE TABLE presence_dropped_partitions (
    day         date        PRIMARY KEY,
    -- The partition's name when it was dropped, seen_events_YYYYMMDD.
    name        text        NOT NULL,
    -- When it was dropped last (a late event can bring a day back, and retention drop it again).
    dropped_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE presence_dropped_partitions IS
    'Presence retention: the UTC days whose raw events were dropped after the projections had folded them in.';

-- The daily partitions of seen_events, oldest first, with their UTC day (not the default
-- partition, which holds the days that have none).
CREATE FUNCTION presence_log_partitions()
RETURNS TABLE (partition_name text, partition_day date)
LANGUAGE sql STABLE AS $$
    SELECT c.relname::text, to_date(substr(c.relname, 13), 'YYYYMMDD')
    FROM pg_inherits AS i
    JOIN pg_class AS c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'seen_events'::regclass AND c.relname ~ '^seen_events_[0-9]{8}$'
    ORDER BY 2
$$;

COMMENT ON FUNCTION presence_log_partitions() IS
    'The daily partitions of seen_events, oldest first, with their UTC day.';

-- Drops the daily partitions of seen_events whose whole UTC day ended more than `keep` ago,
-- oldest first, and says for each what it did: 'dropped', 'would_drop' (when dry_run), or
-- 'unprojected' (kept, because it holds an event the projector has not folded in yet).
-- seen_events_default is never dropped.
--
-- An event is folded in exactly when it is at or below the projector's checkpoint in
-- (tx, at, id) order: the projector reads only below the read horizon, so nothing can still
-- appear below its checkpoint. An unfolded event can be old (a writer that commits late, an
-- import of old events), so the decision looks at every row, never at the day alone. It is
-- taken under locks: the checkpoint row (FOR SHARE: the projector cannot move it meanwhile),
-- then the whole log (ACCESS EXCLUSIVE, which DROP needs anyway, taken before the check so
-- that no writer can add a row between the check and the drop; after the checkpoint, in the
-- projector's order, so the two cannot deadlock). Unless the caller set a lock_timeout, it
-- waits at most 10 seconds for them and then fails with nothing dropped: a long query on the
-- log must not hold every writer up behind the waiting lock. When no partition is old enough
-- it takes no lock at all, and a dry run never does.
CREATE FUNCTION presence_drop_old_partitions(keep interval, dry_run boolean DEFAULT false)
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

COMMENT ON FUNCTION presence_drop_old_partitions(interval, boolean) IS
    'Drops the daily partitions of seen_events older than keep whose every event the projector has folded in.';

-- Dropping raw events must be asked for by the log's owner, not by whoever may call functions.
REVOKE ALL ON FUNCTION presence_drop_old_partitions(interval, boolean) FROM PUBLIC;

-- presence_rebuild() recomputes the projections from the log alone. Once retention dropped
-- days of the log, the projections are the only record of those days, and a rebuild would
-- silently lose their last seen, sessions and activity. So emptying a projection (the first
-- thing a rebuild does) is refused then, unless the session says it means it:
-- SET presence.forget_dropped_days = on (presence project --rebuild --forget-dropped-days).
CREATE FUNCTION presence_keep_dropped_days() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    first_day date;
    last_day  date;
BEGIN
    SELECT min(day), max(day) INTO first_day, last_day FROM presence_dropped_partitions;
    IF first_day IS NOT NULL AND coalesce(current_setting('presence.forget_dropped_days', true), '') <> 'on' THEN
        RAISE EXCEPTION 'the raw events of % to % were dropped by retention, so the projections are their only record and a rebuild would lose them',
            first_day, last_day
            USING HINT = 'To rebuild from the days still in the log anyway: presence project --rebuild --forget-dropped-days (SET presence.forget_dropped_days = on).';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER presence_keep_dropped_days BEFORE TRUNCATE ON presence_current
    FOR EACH STATEMENT EXECUTE FUNCTION presence_keep_dropped_days();
CREATE TRIGGER presence_keep_dropped_days BEFORE TRUNCATE ON user_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION presence_keep_dropped_days();
CREATE TRIGGER presence_keep_dropped_days BEFORE TRUNCATE ON user_activity
    FOR EACH STATEMENT EXECUTE FUNCTION presence_keep_dropped_days();

-- After the log was restored from a dump of another server, its rows carry that server's
-- transaction ids, which can lie far above this server's: the projector, which reads only
-- below this server's read horizon, would not see them, and events written from now on
-- would sort below the checkpoint and never be folded. This gives every row an id of this
-- server while keeping what the projector had folded: the rows at or below the checkpoint
-- get transaction id 3 (the lowest normal one) and the checkpoint becomes the last of them
-- in (at, id) order; every other row gets this transaction's id, above the checkpoint, so
-- it is folded next. Returns how many rows it changed. Run it once, before the projector.
CREATE FUNCTION presence_restamp_log() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    checkpoint  presence_projector%ROWTYPE;
    last_folded record;
    changed     bigint;
BEGIN
    SELECT * INTO checkpoint FROM presence_projector FOR UPDATE;
    LOCK TABLE seen_events IN SHARE ROW EXCLUSIVE MODE;
    SELECT at, id INTO last_folded
    FROM seen_events
    WHERE (tx, at, id) <= (checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id)
    ORDER BY at DESC, id DESC
    LIMIT 1;

    UPDATE seen_events
    SET tx = CASE WHEN (tx, at, id) <= (checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id)
                  THEN '3'::xid8 ELSE pg_current_xact_id() END;
    GET DIAGNOSTICS changed = ROW_COUNT;

    IF checkpoint.position_tx <> '0'::xid8 THEN
        UPDATE presence_projector
        SET position_tx = '3',
            position_at = coalesce(last_folded.at, '-infinity'),
            position_id = coalesce(last_folded.id, '00000000-0000-0000-0000-000000000000');
    END IF;
    RETURN changed;
END
$$;

COMMENT ON FUNCTION presence_restamp_log() IS
    'After a restore from another server: gives the log''s rows this server''s transaction ids, keeping the projector''s checkpoint.';

REVOKE ALL ON FUNCTION presence_restamp_log() FROM PUBLIC;
