-- Folds one batch of committed events, in the gap-free order, into the projections, and
-- moves the checkpoint (0008; reading through presence_read_batch since 0013, the online
-- spans since 0020, the location visits since 0021). Edit this file in place: the Migrator
-- applies it again when its text changes.
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
    PERFORM presence_fold_online();
    PERFORM presence_fold_visits();

    UPDATE presence_projector
    SET position_tx = last_event.tx, position_at = last_event.at, position_id = last_event.id,
        events = events + folded, updated_at = now();

    PERFORM presence_forget_written_days();
END
$$;
