-- Rollups that age (DESIGN.md, "Growing old well"). user_activity holds a row per user and UTC
-- quarter hour with events, and keeps them forever: the projections are what stays once
-- retention drops the log's days. Each row costs a tuple header and two index entries beside
-- its 24 bytes of data, about 150 bytes, so user_activity took 30 to 52 bytes per event
-- (Benchmarks/GrowthBenchmarks), 3 to 5 GB a year at 100 million events.
--
-- Only the last days' rows change in normal operation. So the projector packs each UTC day
-- that ended some weeks before the last event it folded (presence_compact_activity, one day
-- per call) into one row per user and day in user_activity_days: the day's quarter hours
-- as their numbers in the day (0 to 95) with their events, and the user's previous quarter
-- before the day. Nothing is coarsened, so every answer stays exact, in every zone.
--
-- The days up to the latest packed one are packed, the later ones are quarter rows: late
-- events for a packed day are merged into its row (presence_fold_packed_activity). Readers
-- take both through presence_activity(from, to), which gives user_activity's columns.

CREATE TABLE user_activity_days (
    user_id          text        NOT NULL,
    day              date        NOT NULL,
    previous_quarter timestamptz,
    quarters         smallint[]  NOT NULL,
    events           bigint[]    NOT NULL,
    PRIMARY KEY (user_id, day),
    CHECK (cardinality(quarters) > 0 AND cardinality(quarters) = cardinality(events))
);
CREATE INDEX user_activity_days_day ON user_activity_days (day);
COMMENT ON TABLE user_activity_days IS
    'Presence: user_activity of the older UTC days, one row per user and day: its quarter hours (numbers 0-95, ascending) and their events.';
COMMENT ON COLUMN user_activity_days.previous_quarter IS
    'The user''s latest quarter hour with events before this day; null when there is none.';

CREATE TRIGGER presence_keep_dropped_days BEFORE TRUNCATE ON user_activity_days
    FOR EACH STATEMENT EXECUTE FUNCTION presence_keep_dropped_days();
SELECT presence_make_twin('user_activity_days');

-- A quarter hour's number in its UTC day, 0 to 95.
CREATE FUNCTION presence_quarter_number(quarter timestamptz) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (date_part('hour', quarter AT TIME ZONE 'UTC') * 4 + date_part('minute', quarter AT TIME ZONE 'UTC') / 15)::smallint;

-- The last quarter hour of a packed day. Immutable all through (date + interval, then the
-- zone), so that the planner inlines it: timestamptz + interval is only stable.
CREATE FUNCTION presence_last_quarter(day date, quarters smallint[]) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (day + quarters[cardinality(quarters)] * interval '15 minutes') AT TIME ZONE 'UTC';

-- The rows of user_activity, packed or not, with a quarter hour in [from_at, to_at): the
-- way to read the activity rollup. An inlined SQL function, so the planner reads both tables
-- through their indexes on the range. The packed rows are unnested in the select list (a
-- ProjectSet, several times cheaper than unnest(quarters, events) in FROM); each quarter's
-- previous one is the one before it in the row, or the row's previous quarter for the first.
CREATE FUNCTION presence_activity(from_at timestamptz, to_at timestamptz)
RETURNS TABLE (user_id text, quarter timestamptz, events bigint, previous_quarter timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT a.user_id, a.quarter, a.events, a.previous_quarter
FROM user_activity AS a
WHERE a.quarter >= $1 AND a.quarter < $2
UNION ALL
SELECT p.user_id, p.day_start + p.number * interval '15 minutes', p.events,
       CASE WHEN p.previous IS NULL THEN p.previous_quarter ELSE p.day_start + p.previous * interval '15 minutes' END
FROM (
    SELECT d.user_id, d.day::timestamp AT TIME ZONE 'UTC' AS day_start, d.previous_quarter,
           unnest(d.quarters) AS number, unnest(d.events) AS events,
           unnest(array_prepend(NULL::smallint, d.quarters[1:cardinality(d.quarters) - 1])) AS previous
    FROM user_activity_days AS d
    WHERE d.day >= ($1 AT TIME ZONE 'UTC')::date AND d.day <= ($2 AT TIME ZONE 'UTC')::date
) AS p
WHERE p.day_start + p.number * interval '15 minutes' >= $1 AND p.day_start + p.number * interval '15 minutes' < $2
$$;

-- Merges the batch's events on packed days, those before packed_until, into their rows; a
-- day new to a user gets the latest quarter before it, from the batch or a key probe. Of
-- the rows already there, only the next one after a touched day can have a new previous
-- quarter: the next packed day, or the user's first quarter row.
CREATE FUNCTION presence_fold_packed_activity(packed_until timestamptz) RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
BEGIN
    INSERT INTO user_activity_days AS a (user_id, day, previous_quarter, quarters, events)
    SELECT m.user_id, m.day,
           greatest(
               lag(presence_last_quarter(m.day, m.quarters)) OVER (PARTITION BY m.user_id ORDER BY m.day),
               (SELECT presence_last_quarter(e.day, e.quarters)
                FROM user_activity_days AS e
                WHERE e.user_id = m.user_id AND e.day < m.day
                ORDER BY e.day DESC
                LIMIT 1)),
           m.quarters, m.events
    FROM (
        SELECT c.user_id, c.day, array_agg(c.number ORDER BY c.number) AS quarters, array_agg(c.events ORDER BY c.number) AS events
        FROM (
            SELECT t.user_id, t.day, t.number, sum(t.events)::bigint AS events
            FROM (
                SELECT b.user_id, (b.at AT TIME ZONE 'UTC')::date AS day, presence_quarter_number(presence_quarter(b.at)) AS number,
                       count(*) AS events
                FROM presence_batch AS b
                WHERE b.at < packed_until
                GROUP BY 1, 2, 3
                UNION ALL
                SELECT s.user_id, s.day, q.number, q.events
                FROM (SELECT DISTINCT b.user_id, (b.at AT TIME ZONE 'UTC')::date AS day FROM presence_batch AS b WHERE b.at < packed_until) AS touched
                JOIN user_activity_days AS s ON s.user_id = touched.user_id AND s.day = touched.day
                CROSS JOIN LATERAL unnest(s.quarters, s.events) AS q (number, events)
            ) AS t
            GROUP BY 1, 2, 3
        ) AS c
        GROUP BY 1, 2
    ) AS m
    ON CONFLICT (user_id, day) DO UPDATE
    SET previous_quarter = excluded.previous_quarter, quarters = excluded.quarters, events = excluded.events;

    UPDATE user_activity_days AS a
    SET previous_quarter = later.previous_quarter
    FROM (
        SELECT following.user_id, following.day, max(presence_last_quarter(t.day, t.quarters)) AS previous_quarter
        FROM (SELECT DISTINCT b.user_id, (b.at AT TIME ZONE 'UTC')::date AS day FROM presence_batch AS b WHERE b.at < packed_until) AS touched
        JOIN user_activity_days AS t ON t.user_id = touched.user_id AND t.day = touched.day
        CROSS JOIN LATERAL (
            SELECT e.user_id, e.day
            FROM user_activity_days AS e
            WHERE e.user_id = t.user_id AND e.day > t.day
            ORDER BY e.day
            LIMIT 1
        ) AS following
        GROUP BY following.user_id, following.day
    ) AS later
    WHERE a.user_id = later.user_id AND a.day = later.day
      AND (a.previous_quarter IS NULL OR a.previous_quarter < later.previous_quarter);

    UPDATE user_activity AS a
    SET previous_quarter = latest.quarter
    FROM (SELECT DISTINCT b.user_id FROM presence_batch AS b WHERE b.at < packed_until) AS touched
    CROSS JOIN LATERAL (
        SELECT presence_last_quarter(d.day, d.quarters) AS quarter
        FROM user_activity_days AS d
        WHERE d.user_id = touched.user_id
        ORDER BY d.day DESC
        LIMIT 1
    ) AS latest
    CROSS JOIN LATERAL (
        SELECT e.quarter FROM user_activity AS e WHERE e.user_id = touched.user_id ORDER BY e.quarter LIMIT 1
    ) AS first
    WHERE a.user_id = touched.user_id AND a.quarter = first.quarter
      AND (a.previous_quarter IS NULL OR a.previous_quarter < latest.quarter);
END
$$;

-- As in 0008, with the packed days: the batch's events on them are merged into their rows
-- first; a user's first quarter row takes its previous quarter from their latest packed day.
CREATE OR REPLACE FUNCTION presence_fold_activity() RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    packed_until timestamptz := (SELECT (max(day) + 1)::timestamp AT TIME ZONE 'UTC' FROM user_activity_days);
BEGIN
    IF packed_until IS NOT NULL AND EXISTS (SELECT 1 FROM presence_batch WHERE at < packed_until) THEN
        PERFORM presence_fold_packed_activity(packed_until);
    END IF;
    packed_until := coalesce(packed_until, '-infinity');

    INSERT INTO user_activity AS a (user_id, quarter, events, previous_quarter)
    SELECT q.user_id, q.quarter, q.events,
           greatest(
               lag(q.quarter) OVER (PARTITION BY q.user_id ORDER BY q.quarter),
               coalesce(
                   (SELECT max(e.quarter) FROM user_activity AS e WHERE e.user_id = q.user_id AND e.quarter < q.quarter),
                   (SELECT presence_last_quarter(d.day, d.quarters)
                    FROM user_activity_days AS d
                    WHERE d.user_id = q.user_id
                    ORDER BY d.day DESC
                    LIMIT 1)))
    FROM (
        SELECT user_id, presence_quarter(at) AS quarter, count(*) AS events
        FROM presence_batch
        WHERE at >= packed_until
        GROUP BY 1, 2
    ) AS q
    ON CONFLICT (user_id, quarter) DO UPDATE
    SET events = a.events + excluded.events, previous_quarter = excluded.previous_quarter;

    UPDATE user_activity AS a
    SET previous_quarter = later.previous_quarter
    FROM (
        SELECT following.user_id, following.quarter, max(b.quarter) AS previous_quarter
        FROM (SELECT DISTINCT user_id, presence_quarter(at) AS quarter FROM presence_batch WHERE at >= packed_until) AS b
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

-- Packs the oldest UTC day of user_activity into user_activity_days, if it ended more than
-- `keep` before the last event folded (the checkpoint's time, which is about now in live
-- operation); returns the day, or null when none is due.
-- It locks the checkpoint as a batch does, so it never runs beside one: a batch's quarter
-- rows of that day would be left behind. Its work is that one day's rows, through the
-- quarter index.
CREATE FUNCTION presence_compact_activity(keep interval) RETURNS date
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    checkpoint presence_projector%ROWTYPE;
    oldest     timestamptz;
    packed_day date;
    day_start  timestamptz;
BEGIN
    SELECT * INTO checkpoint FROM presence_projector FOR UPDATE;
    SELECT min(a.quarter) INTO oldest FROM user_activity AS a;
    packed_day := (oldest AT TIME ZONE 'UTC')::date;
    day_start := packed_day::timestamp AT TIME ZONE 'UTC';
    IF oldest IS NULL OR day_start + interval '1 day' > checkpoint.position_at - keep THEN
        RETURN NULL;
    END IF;

    INSERT INTO user_activity_days (user_id, day, previous_quarter, quarters, events)
    SELECT a.user_id, packed_day, (array_agg(a.previous_quarter ORDER BY a.quarter))[1],
           array_agg(presence_quarter_number(a.quarter) ORDER BY a.quarter), array_agg(a.events ORDER BY a.quarter)
    FROM user_activity AS a
    WHERE a.quarter >= day_start AND a.quarter < day_start + interval '1 day'
    GROUP BY a.user_id
    ORDER BY a.user_id;
    DELETE FROM user_activity AS a WHERE a.quarter >= day_start AND a.quarter < day_start + interval '1 day';
    RETURN packed_day;
END
$$;

REVOKE ALL ON FUNCTION presence_compact_activity(interval) FROM PUBLIC;

-- As in 0004, emptying the packed days too.
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
    TRUNCATE presence_current, user_sessions, user_activity, user_activity_days;

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

-- As in 0011, with the projection tables found by their twins in presence_next, so that a
-- migration that adds one (presence_make_twin) needs no new grants, and with the packing of
-- old days for the projector role.
CREATE OR REPLACE FUNCTION presence_grant_roles()
RETURNS TABLE (role_name text, status text)
LANGUAGE plpgsql AS $$
DECLARE
    may_create   boolean;
    owns_schema  boolean;
    owns_db      boolean;
    schema_name  text := current_schema();
    projections  text;
BEGIN
    SELECT r.rolsuper OR r.rolcreaterole INTO may_create FROM pg_roles AS r WHERE r.rolname = current_user;
    SELECT pg_has_role(n.nspowner, 'USAGE') INTO owns_schema FROM pg_namespace AS n WHERE n.nspname = schema_name;
    SELECT pg_has_role(d.datdba, 'USAGE') INTO owns_db FROM pg_database AS d WHERE d.datname = current_database();
    SELECT string_agg(format('%I.%I', schema_name, c.relname), ', ' ORDER BY c.relname) INTO projections
    FROM pg_class AS c
    WHERE c.relnamespace = 'presence_next'::regnamespace AND c.relkind = 'r' AND c.relname <> 'presence_projector';

    FOREACH role_name IN ARRAY ARRAY['presence_ingest', 'presence_projector', 'presence_reader'] LOOP
        IF to_regrole(role_name) IS NOT NULL THEN
            status := 'granted';
        ELSIF may_create THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
                status := 'created';
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                status := 'granted';  -- another database's migration created it just now
            END;
        ELSE
            RAISE NOTICE 'role % does not exist and % may not create it; nothing was granted to it', role_name, current_user
                USING HINT = format('A DBA runs CREATE ROLE %I NOLOGIN; then presence migrate grants it.', role_name);
            status := 'missing';
            RETURN NEXT;
            CONTINUE;
        END IF;

        IF owns_schema THEN
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema_name, role_name);
        END IF;
        IF owns_db THEN
            EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), role_name);
        END IF;

        IF role_name = 'presence_ingest' THEN
            -- The writer COPYs into seen_events, or inserts ON CONFLICT DO NOTHING from a
            -- temporary table, so it needs TEMPORARY too.
            GRANT INSERT (id, user_id, at, location) ON seen_events TO presence_ingest;
            GRANT EXECUTE ON FUNCTION presence_ensure_partitions(date, date) TO presence_ingest;
            GRANT EXECUTE ON FUNCTION presence_commit_outcome(xid8, uuid[]) TO presence_ingest;
            GRANT EXECUTE ON FUNCTION presence_maintain_partitions(integer) TO presence_ingest;
            IF owns_db THEN
                EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO presence_ingest', current_database());
            END IF;
        ELSIF role_name = 'presence_projector' THEN
            -- presence_project and presence_rebuild fold through a temporary table.
            GRANT SELECT ON seen_events, presence_settings, presence_dropped_partitions TO presence_projector;
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON %s TO presence_projector', projections);
            GRANT SELECT, UPDATE ON presence_projector TO presence_projector;
            -- The follower keeps the log's days ahead of time, and packs the old days of
            -- user_activity.
            GRANT EXECUTE ON FUNCTION presence_maintain_partitions(integer) TO presence_projector;
            GRANT EXECUTE ON FUNCTION presence_compact_activity(interval) TO presence_projector;
            -- A rebuild folds into the twins in presence_next, then swaps them in.
            GRANT USAGE ON SCHEMA presence_next TO presence_projector;
            GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA presence_next TO presence_projector;
            GRANT EXECUTE ON FUNCTION presence_swap_projections() TO presence_projector;
            GRANT EXECUTE ON FUNCTION presence_analyze_twins() TO presence_projector;
            IF owns_db THEN
                EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO presence_projector', current_database());
            END IF;
        ELSE
            EXECUTE format('GRANT SELECT ON %s TO presence_reader', projections);
            GRANT SELECT ON seen_events, presence_settings, presence_projector, presence_dropped_partitions,
                online_users, online_count
                TO presence_reader;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;

SELECT * FROM presence_grant_roles();
