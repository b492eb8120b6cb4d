-- Computes every projection again from the log, in one transaction (0002; the report
-- columns since 0004, the packed days since 0016, the online spans since 0020, the location
-- visits since 0021, their packed days since 0022, the first quarters since 0024). Edit this
-- file in place: the Migrator applies it again when its text changes.
CREATE OR REPLACE FUNCTION presence_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    horizon    xid8;
    folded     bigint;
    last_event record;
    gap        interval := (SELECT session_gap FROM presence_settings);
    threshold  interval := (SELECT online_threshold FROM presence_settings);
BEGIN
    PERFORM 1 FROM presence_projector FOR UPDATE;
    horizon := pg_snapshot_xmin(pg_current_snapshot());
    TRUNCATE presence_current, user_sessions, user_activity, user_activity_days, user_online_spans, user_online_span_hours,
        location_visits, location_visit_days;

    CREATE TEMPORARY TABLE presence_rebuild_events ON COMMIT DROP AS
    SELECT tx, at, id, user_id, location FROM seen_events WHERE tx < horizon;
    GET DIAGNOSTICS folded = ROW_COUNT;
    SELECT tx, at, id INTO last_event FROM presence_rebuild_events ORDER BY tx DESC, at DESC, id DESC LIMIT 1;

    INSERT INTO presence_current (user_id, first_seen, last_seen, last_event_id, last_location, event_count)
    SELECT DISTINCT ON (user_id)
           user_id, min(at) OVER (PARTITION BY user_id), at, id, location, count(*) OVER (PARTITION BY user_id)
    FROM presence_rebuild_events
    ORDER BY user_id, at DESC, id DESC;

    INSERT INTO user_activity (user_id, quarter, events, previous_quarter, first_quarter)
    SELECT user_id, quarter, events, lag(quarter) OVER (PARTITION BY user_id ORDER BY quarter),
           min(quarter) OVER (PARTITION BY user_id)
    FROM (
        SELECT user_id, presence_quarter(at) AS quarter, count(*) AS events FROM presence_rebuild_events GROUP BY 1, 2
    ) AS quarters;

    INSERT INTO user_sessions (user_id, session_start, session_end, events)
    SELECT user_id, min(at), max(at), count(*)
    FROM (
        SELECT user_id, at,
               count(*) FILTER (WHERE starts) OVER (PARTITION BY user_id ORDER BY at ROWS UNBOUNDED PRECEDING)
                   AS session
        FROM (
            SELECT user_id, at,
                   coalesce(at - lag(at) OVER (PARTITION BY user_id ORDER BY at) > gap, true) AS starts
            FROM presence_rebuild_events
        ) AS marked
    ) AS numbered
    GROUP BY user_id, session;

    INSERT INTO user_online_spans (user_id, first_at, last_at, events, last_event_id, last_location)
    SELECT user_id, min(at), max(at), count(*),
           (array_agg(id ORDER BY at DESC, id DESC))[1],
           (array_agg(location ORDER BY at DESC, id DESC))[1]
    FROM (
        SELECT user_id, at, id, location,
               count(*) FILTER (WHERE starts) OVER (PARTITION BY user_id ORDER BY at, id ROWS UNBOUNDED PRECEDING) AS span
        FROM (
            SELECT user_id, at, id, location,
                   coalesce(at - lag(at) OVER (PARTITION BY user_id ORDER BY at, id) > threshold, true) AS starts
            FROM presence_rebuild_events
        ) AS marked
    ) AS numbered
    GROUP BY user_id, span;

    INSERT INTO location_visits (location, quarter, user_id, events, last_at)
    SELECT location, presence_quarter(at), user_id, count(*), max(at)
    FROM presence_rebuild_events
    WHERE location IS NOT NULL
    GROUP BY 1, 2, 3;

    UPDATE presence_projector
    SET position_tx = coalesce(last_event.tx, '0'),
        position_at = coalesce(last_event.at, '-infinity'),
        position_id = coalesce(last_event.id, '00000000-0000-0000-0000-000000000000'),
        events = folded, updated_at = now();
    DROP TABLE presence_rebuild_events;
    RETURN folded;
END
$$;
