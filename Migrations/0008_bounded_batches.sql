-- A projector batch whose cost does not grow with the history the projections hold
-- (DESIGN.md, "Growing old well"). Before this, three statements of a batch read whole
-- projections: the sessions DELETE bounded a user's sessions by their start only, and the
-- planner joined it and the previous_quarter update by hashing the whole table. At 480k
-- sessions and 866k activity rows one batch of 20,000 events took 1.2 s.
--
-- Now every statement reaches the projections only through their primary keys, from the
-- users and times of the batch:
-- * sessions: the batch's events of each user are cut into runs (events within one gap of
--   each other). A stored session joins a run only when it lies within one gap of it: those
--   that start within one gap of the run (a key range), and the one before them, which alone
--   can reach into the run, since stored sessions lie more than a gap apart (a key probe);
-- * activity: a new quarter hour changes the previous quarter of one row only, the user's
--   next row after it (a key probe);
-- * the planner is told not to hash or merge-join the projections (the function-level SET
--   below): with the batch in a temporary table that has no statistics, its guess can be a
--   full scan of a large table, and a nested loop over the batch is what keeps a batch's cost
--   its own. PresenceProjectorTests reads the plans with auto_explain to hold this.
--
-- The batch table is made once per session and emptied at every commit, rather than created
-- and dropped by every batch, which churned the catalog on every wake-up of the follower.
-- presence_fold() also says whether committed events wait above the read horizon, which
-- the follower asked in a query of its own that read every partition of the log.

-- Folds the events of presence_batch into user_sessions without reading the log (see the
-- header of this file, and presence_fold_sessions in 0002 for how islands are cut).
CREATE OR REPLACE FUNCTION presence_fold_sessions() RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    gap interval := (SELECT session_gap FROM presence_settings);
BEGIN
    WITH runs AS (
        SELECT user_id, min(at) AS first_at, max(at) AS last_at
        FROM (
            SELECT user_id, at,
                   count(*) FILTER (WHERE starts) OVER (
                       PARTITION BY user_id ORDER BY at ROWS UNBOUNDED PRECEDING) AS run
            FROM (
                SELECT user_id, at,
                       coalesce(at - lag(at) OVER (PARTITION BY user_id ORDER BY at) > gap, true) AS starts
                FROM presence_batch
            ) AS marked
        ) AS numbered
        GROUP BY user_id, run
    ),
    touched AS (
        SELECT DISTINCT near.user_id, near.session_start
        FROM runs AS r
        CROSS JOIN LATERAL (
            SELECT s.user_id, s.session_start
            FROM user_sessions AS s
            WHERE s.user_id = r.user_id
              AND s.session_start >= r.first_at - gap AND s.session_start <= r.last_at + gap
            UNION ALL
            SELECT before.user_id, before.session_start
            FROM (
                SELECT s.user_id, s.session_start, s.session_end
                FROM user_sessions AS s
                WHERE s.user_id = r.user_id AND s.session_start < r.first_at - gap
                ORDER BY s.session_start DESC
                LIMIT 1
            ) AS before
            WHERE before.session_end >= r.first_at - gap
        ) AS near
    ),
    nearby AS (
        DELETE FROM user_sessions AS s
        USING touched AS t
        WHERE s.user_id = t.user_id AND s.session_start = t.session_start
        RETURNING s.user_id, s.session_start, s.session_end, s.events
    ),
    intervals AS (
        SELECT user_id, session_start AS first_at, session_end AS last_at, events FROM nearby
        UNION ALL
        SELECT user_id, at, at, 1 FROM presence_batch
    ),
    marked AS (
        SELECT *,
               coalesce(first_at > max(last_at) OVER (
                   PARTITION BY user_id ORDER BY first_at, last_at
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + gap, true) AS starts
        FROM intervals
    ),
    numbered AS (
        SELECT *,
               count(*) FILTER (WHERE starts) OVER (
                   PARTITION BY user_id ORDER BY first_at, last_at ROWS UNBOUNDED PRECEDING) AS session
        FROM marked
    )
    INSERT INTO user_sessions (user_id, session_start, session_end, events)
    SELECT user_id, min(first_at), max(last_at), sum(events)
    FROM numbered
    GROUP BY user_id, session;
END
$$;

-- Folds the events of presence_batch into user_activity: counts per user and quarter hour,
-- and each row's previous quarter (0004). A new row takes the latest quarter before it, from
-- the batch or from the table (a key probe). Of the rows already there, only the next one
-- after a new quarter can have a new previous quarter: the largest new quarter below it.
CREATE OR REPLACE FUNCTION presence_fold_activity() RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
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
        SELECT following.user_id, following.quarter, max(b.quarter) AS previous_quarter
        FROM (SELECT DISTINCT user_id, presence_quarter(at) AS quarter FROM presence_batch) AS b
        CROSS JOIN LATERAL (
            SELECT e.user_id, e.quarter
            FROM user_activity AS e
            WHERE e.user_id = b.user_id AND e.quarter > b.quarter
            ORDER BY e.quarter
            LIMIT 1
        ) AS following
        GROUP BY following.user_id, following.quarter
    ) AS later
    WHERE a.user_id = later.user_id AND a.quarter = later.quarter
      AND (a.previous_quarter IS NULL OR a.previous_quarter < later.previous_quarter);
END
$$;

-- Folds the next batch of at most batch_size committed events below the read horizon into
-- the projections and moves the checkpoint past them, all in the caller's transaction (as
-- presence_project did in 0002 and 0004). `folded` is how many events it folded; `held_back`
-- whether committed events after the checkpoint wait for an older transaction to end (the
-- read horizon), which sends no notification: the caller should look again soon.
--
-- The log is read through each partition's (tx, at, id) index. Plans are kept for the
-- session (plan_cache_mode): planning a read that cannot be pruned costs about half a
-- millisecond per partition, and a year of history has hundreds.
CREATE FUNCTION presence_fold(batch_size integer, OUT folded integer, OUT held_back boolean)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    checkpoint presence_projector%ROWTYPE;
    horizon    xid8;
    sorting    text;
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

    -- The planner underestimates how many rows lie past the checkpoint and would sort them
    -- all; without sorting it merges the partitions' (tx, at, id) indexes and stops after
    -- batch_size rows (8 ms instead of 280 ms for 20,000 of a million).
    sorting := current_setting('enable_sort');
    PERFORM set_config('enable_sort', 'off', true);
    INSERT INTO presence_batch (tx, at, id, user_id, location)
    SELECT tx, at, id, user_id, location
    FROM seen_events
    WHERE (tx, at, id) > (checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id)
      AND tx < horizon
    ORDER BY tx, at, id
    LIMIT batch_size;
    GET DIAGNOSTICS folded = ROW_COUNT;
    PERFORM set_config('enable_sort', sorting, true);

    held_back := folded < batch_size AND EXISTS (
        SELECT 1 FROM seen_events
        WHERE (tx, at, id) > (checkpoint.position_tx, checkpoint.position_at, checkpoint.position_id)
          AND tx >= horizon);
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
END
$$;

COMMENT ON FUNCTION presence_fold(integer) IS
    'Folds the next batch of committed events into the projections; says how many, and whether events wait above the read horizon.';

-- As before, for callers that want the count alone.
CREATE OR REPLACE FUNCTION presence_project(batch_size integer) RETURNS integer
LANGUAGE sql AS $$
    SELECT folded FROM presence_fold(batch_size)
$$;

-- The oldest transaction that holds the read horizon back, as far as the caller may see it
-- (pg_stat_activity shows other roles' sessions in detail only to members of
-- pg_read_all_stats), or a prepared transaction; no row when none is running.
CREATE FUNCTION presence_horizon_holder()
RETURNS TABLE (pid integer, database_name text, role_name text, application_name text,
               state text, running_for interval, prepared_as text)
LANGUAGE sql STABLE AS $$
    SELECT holder.pid, holder.database_name, holder.role_name, holder.application_name,
           holder.state, holder.running_for, holder.prepared_as
    FROM (
        SELECT a.pid, a.datname::text AS database_name, a.usename::text AS role_name,
               a.application_name, a.state, now() - a.xact_start AS running_for,
               NULL::text AS prepared_as, age(a.backend_xid) AS xid_age
        FROM pg_stat_activity AS a
        WHERE a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()
        UNION ALL
        SELECT NULL, p.database::text, p.owner::text, NULL, 'prepared', now() - p.prepared,
               p.gid, age(p.transaction)
        FROM pg_prepared_xacts AS p
    ) AS holder
    ORDER BY holder.xid_age DESC
    LIMIT 1
$$;

COMMENT ON FUNCTION presence_horizon_holder() IS
    'The oldest running transaction with an id: the one that holds the projector''s read horizon back.';
