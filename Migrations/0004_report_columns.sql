-- Two columns and a function that let the reports answer a month of a large log in one pass
-- over the projections (Reports/activity.sql, Reports/active-users.sql, Reports/sessions.sql).
--
-- user_activity.previous_quarter is the user's latest earlier quarter hour with events (null
-- for the first). Of a user's rows in any range [a, b) of whole quarter hours, exactly one has
-- its previous quarter before a: the first. So the distinct users of a bucket are the rows in
-- it whose previous quarter lies before the bucket's start, and a count replaces sorting or
-- hashing every (bucket, user) pair. The projector keeps it with the counts, in
-- presence_project() and presence_rebuild() as redefined here.
--
-- user_sessions.duration_seconds is the session's duration in seconds, as the sessions report
-- reads it: computed at query time (extract() returns numeric) it took a third of the report.
--
-- presence_log_sessions() cuts sessions from the log with any gap, for the sessions report
-- when its gap is not the projector's. As a function it is planned only when called: inside
-- the report's statement, the plan for reading the whole log made PostgreSQL compile that
-- statement with JIT (over a second at ten million events) even when the projection answered.

ALTER TABLE user_activity ADD COLUMN previous_quarter timestamptz;
COMMENT ON COLUMN user_activity.previous_quarter IS
    'The user''s latest earlier quarter hour with events; null for the user''s first.';

UPDATE user_activity AS a
SET previous_quarter = chained.previous_quarter
FROM (
    SELECT user_id, quarter, lag(quarter) OVER (PARTITION BY user_id ORDER BY quarter) AS previous_quarter
    FROM user_activity
) AS chained
WHERE a.user_id = chained.user_id AND a.quarter = chained.quarter AND chained.previous_quarter IS NOT NULL;

ALTER TABLE user_sessions
    ADD COLUMN duration_seconds float8 GENERATED ALWAYS AS (extract(epoch FROM session_end - session_start)::float8) STORED;

-- Folds the events of presence_batch into user_activity: counts per user and quarter hour, and
-- each row's previous quarter. A new row takes the latest quarter before it, from the batch or
-- from the table; a row after one that the batch put in between (a late event) is corrected.
-- In time order, the usual case, nothing needs correcting and the second statement reads only
-- the batch's own rows.
CREATE FUNCTION presence_fold_activity() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_activity AS a (user_id, quarter, events, previous_quarter)
    SELECT q.user_id, q.quarter, q.events,
           greatest(
               lag(q.quarter) OVER (PARTITION BY q.user_id ORDER BY q.quarter),
               (SELECT max(e.quarter) FROM user_activity AS e WHERE e.user_id = q.user_id AND e.quarter < q.quarter))
    FROM (
        SELECT user_id, presence_quarter(at) AS quarter, count(*) AS events FROM presence_batch GROUP BY 1, 2
    ) AS q
    ON CONFLICT (user_id, quarter) DO UPDATE
    SET events = a.events + excluded.events, previous_quarter = excluded.previous_quarter;

    UPDATE user_activity AS a
    SET previous_quarter = later.previous_quarter
    FROM (
        SELECT r.user_id, r.quarter,
               (SELECT max(e.quarter) FROM user_activity AS e WHERE e.user_id = r.user_id AND e.quarter < r.quarter)
                   AS previous_quarter
        FROM (SELECT user_id, min(presence_quarter(at)) AS first_quarter FROM presence_batch GROUP BY user_id) AS b
        JOIN user_activity AS r ON r.user_id = b.user_id AND r.quarter > b.first_quarter
    ) AS later
    WHERE a.user_id = later.user_id AND a.quarter = later.quarter
      AND a.previous_quarter IS DISTINCT FROM later.previous_quarter;
END
$$;

-- As in 0002, with user_activity folded by presence_fold_activity().
CREATE OR REPLACE FUNCTION presence_project(batch_size integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    checkpoint presence_projector%ROWTYPE;
    horizon    xid8;
    sorting    text;
    folded     integer;
    last_event record;
BEGIN
    SELECT * INTO checkpoint FROM presence_projector FOR UPDATE;
    horizon := pg_snapshot_xmin(pg_current_snapshot());

    -- The planner underestimates how many rows lie past the checkpoint and would sort them
    -- all; without sorting it merges the partitions' (tx, at, id) indexes and stops after
    -- batch_size rows (8 ms instead of 280 ms for 20,000 of a million).
    sorting := current_setting('enable_sort');
    PERFORM set_config('enable_sort', 'off', true);
    CREATE TEMPORARY TABLE presence_batch ON COMMIT DROP AS
    SELECT tx, at, id, user_id, location
    FROM seen_events
    WHERE (tx, at, id) > (checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id)
      AND tx < horizon
    ORDER BY tx, at, id
    LIMIT batch_size;
    GET DIAGNOSTICS folded = ROW_COUNT;
    PERFORM set_config('enable_sort', sorting, true);

    IF folded = 0 THEN
        DROP TABLE presence_batch;
        RETURN 0;
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
    DROP TABLE presence_batch;
    RETURN folded;
END
$$;

-- As in 0002, with each user_activity row's previous quarter.
CREATE OR REPLACE FUNCTION presence_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    horizon    xid8;
    folded     bigint;
    last_event record;
    gap        interval := (SELECT session_gap FROM presence_settings);
BEGIN
    PERFORM 1 FROM presence_projector FOR UPDATE;
    horizon := pg_snapshot_xmin(pg_current_snapshot());
    TRUNCATE presence_current, user_sessions, user_activity;

    CREATE TEMPORARY TABLE presence_rebuild_events ON COMMIT DROP AS
    SELECT tx, at, id, user_id, location FROM seen_events WHERE tx < horizon;
    GET DIAGNOSTICS folded = ROW_COUNT;
    SELECT tx, at, id INTO last_event FROM presence_rebuild_events ORDER BY tx DESC, at DESC, id DESC LIMIT 1;

    INSERT INTO presence_current (user_id, first_seen, last_seen, last_event_id, last_location, event_count)
    SELECT DISTINCT ON (user_id)
           user_id, min(at) OVER (PARTITION BY user_id), at, id, location, count(*) OVER (PARTITION BY user_id)
    FROM presence_rebuild_events
    ORDER BY user_id, at DESC, id DESC;

    INSERT INTO user_activity (user_id, quarter, events, previous_quarter)
    SELECT user_id, quarter, events, lag(quarter) OVER (PARTITION BY user_id ORDER BY quarter)
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

    UPDATE presence_projector
    SET position_tx = coalesce(last_event.tx, '0'),
        position_at = coalesce(last_event.at, '-infinity'),
        position_id = coalesce(last_event.id, '00000000-0000-0000-0000-000000000000'),
        events = folded, updated_at = now();
    DROP TABLE presence_rebuild_events;
    RETURN folded;
END
$$;

-- The sessions (DESIGN.md, "Session") of the log cut with the given gap that start in
-- [range_from, range_to), with their events: a gap longer than `gap` starts a session, and the
-- running count of starts numbers them. Events from one gap before range_from on tell whether
-- a session starts in the range.
CREATE FUNCTION presence_log_sessions(range_from timestamptz, range_to timestamptz, gap interval)
RETURNS TABLE (user_id text, session_start timestamptz, session_end timestamptz, events bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT numbered.user_id, min(numbered.at), max(numbered.at), count(*)
    FROM (
        SELECT marked.user_id, marked.at,
               count(*) FILTER (WHERE marked.starts) OVER (
                   PARTITION BY marked.user_id ORDER BY marked.at ROWS UNBOUNDED PRECEDING) AS session
        FROM (
            SELECT e.user_id, e.at,
                   coalesce(e.at - lag(e.at) OVER (PARTITION BY e.user_id ORDER BY e.at) > gap, true) AS starts
            FROM seen_events AS e
            WHERE e.at >= range_from - gap
        ) AS marked
    ) AS numbered
    GROUP BY numbered.user_id, numbered.session
    HAVING min(numbered.at) >= range_from AND min(numbered.at) < range_to;
END
$$;

COMMENT ON FUNCTION presence_log_sessions(timestamptz, timestamptz, interval) IS
    'Sessions cut from the log with any gap that start in [range_from, range_to).';
