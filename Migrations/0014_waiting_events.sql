-- The projector status (Reports/projector-status.sql, /metrics, /health) counted the events
-- after the checkpoint through every partition of the log: 1.3 ms with a month of days, 28 ms
-- with a year (Benchmarks/GrowthBenchmarks), at every scrape. It now reads only the days
-- written since the checkpoint (presence_written_days, 0013), as the projector does.

-- How many committed events come after the projector's checkpoint (counted up to `most`), and
-- when the oldest of them happened (null when none waits). Reads only the days written since
-- the checkpoint, or every partition while that list is incomplete (0013).
CREATE FUNCTION presence_waiting_events(most integer, OUT waiting bigint, OUT oldest timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    checkpoint presence_projector%ROWTYPE;
    days       text;
BEGIN
    SELECT * INTO checkpoint FROM presence_projector;
    days := presence_written_days_since(checkpoint.position_tx);
    IF days = 'false' THEN
        waiting := 0;
        RETURN;
    END IF;
    EXECUTE format(
        'SELECT count(*), min(e.at) FROM (SELECT at FROM seen_events '
        'WHERE (tx, at, id) > ($1, $2, $3) AND (%s) LIMIT $4) AS e', coalesce(days, 'true'))
        INTO waiting, oldest
        USING checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id, most;
END
$$;

COMMENT ON FUNCTION presence_waiting_events(integer) IS
    'How many committed events the projector has not folded yet (up to most), and the oldest one''s time.';
