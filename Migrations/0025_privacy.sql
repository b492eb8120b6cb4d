-- Privacy (issue 17; DESIGN.md, "Hidden user" and "Erased user").
--
-- A hidden user asked not to be shown: presence_hidden_users names them, and the lists that
-- name users to others (online_users here; online, viewers and the HTTP API's last seen and
-- history in Reports/ and the server) leave them out. Counts and aggregates still count them:
-- online_count now counts presence_current itself, not the list.
--
-- An erased user asked to be forgotten: presence_erase() deletes their events from every
-- partition of the log and every trace of them from the projections, live and twin (a
-- rebuild may be under way), the packed days' arrays included, so that the projections equal
-- a rebuild of what is left. Days retention dropped are corrected in the projections alone,
-- as they are all that is left of them. presence_erasures keeps the number of events and
-- the time, never the name. It locks both checkpoints as a batch does, so no batch folds
-- beside it; it reads and writes only the user's rows, through keys: the user's quarter
-- hours (user_activity's and its packed days' keys) name the hours of packed spans and the
-- quarters and days of location visits that can hold them (location_visit_days gets an
-- index on its day for that).
--
-- Both run as the log's owner (SECURITY DEFINER): the role presence_privacy may call them
-- and nothing else; presence_reader and presence_ingest may not.

CREATE TABLE presence_hidden_users (
    user_id   text        PRIMARY KEY,
    hidden_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE presence_hidden_users IS
    'Presence: users who asked not to be shown; lists that name users to others leave them out.';

CREATE TABLE presence_erasures (
    erased_at timestamptz NOT NULL DEFAULT now(),
    events    bigint      NOT NULL
);
COMMENT ON TABLE presence_erasures IS
    'Presence: each erasure of a user: when, and how many events of the log it deleted; never whose.';

CREATE INDEX location_visit_days_day ON location_visit_days (day);
CREATE INDEX location_visit_days_day ON presence_next.location_visit_days (day);

CREATE OR REPLACE VIEW online_count AS
SELECT count(*)::bigint AS users
FROM presence_current AS c, presence_settings AS s
WHERE c.last_seen >= now() - s.online_threshold;

CREATE OR REPLACE VIEW online_users AS
SELECT c.user_id, c.last_seen, c.last_location
FROM presence_current AS c, presence_settings AS s
WHERE c.last_seen >= now() - s.online_threshold
  AND NOT EXISTS (SELECT 1 FROM presence_hidden_users AS h WHERE h.user_id = c.user_id)
ORDER BY c.last_seen DESC, c.user_id;

-- Hides a user; true when they were not hidden before.
CREATE FUNCTION presence_hide(hidden text) RETURNS boolean
LANGUAGE sql
AS $$
WITH added AS (
    INSERT INTO presence_hidden_users (user_id) VALUES (hidden) ON CONFLICT (user_id) DO NOTHING RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM added);
$$;

-- Shows a hidden user again; true when they were hidden.
CREATE FUNCTION presence_unhide(shown text) RETURNS boolean
LANGUAGE sql
AS $$
WITH removed AS (
    DELETE FROM presence_hidden_users WHERE user_id = shown RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM removed);
$$;

-- Deletes every trace of one user from the projections of the schemas on the search path
-- (the live ones, or presence_next's twins): their rows, and their entries in the packed
-- days' arrays. The user's quarter hours, read first, say which packed hours and days and
-- which visit quarters can hold them.
CREATE FUNCTION presence_erase_projections(erased text) RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    touched timestamptz[];
BEGIN
    SELECT coalesce(array_agg(DISTINCT q.quarter), '{}') INTO touched
    FROM (
        SELECT a.quarter FROM user_activity AS a WHERE a.user_id = erased
        UNION ALL
        SELECT (d.day + n * interval '15 minutes') AT TIME ZONE 'UTC'
        FROM user_activity_days AS d, unnest(d.quarters) AS n
        WHERE d.user_id = erased
    ) AS q;

    DELETE FROM presence_current WHERE user_id = erased;
    DELETE FROM user_sessions WHERE user_id = erased;
    DELETE FROM user_activity WHERE user_id = erased;
    DELETE FROM user_activity_days WHERE user_id = erased;
    DELETE FROM user_online_spans WHERE user_id = erased;
    DELETE FROM location_visits WHERE quarter = ANY (touched) AND user_id = erased;

    -- The packed spans start in the hours of the user's quarters, the packed visits lie in
    -- their days: each such row loses the user's entries, and goes when none is left.
    WITH kept AS (
        SELECT h.hour,
               max(e.last_at) AS reach,
               array_agg(e.user_id ORDER BY e.ordinality) AS users,
               array_agg(e.first_at ORDER BY e.ordinality) AS first_at,
               array_agg(e.last_at ORDER BY e.ordinality) AS last_at,
               array_agg(e.events ORDER BY e.ordinality) AS events,
               array_agg(e.last_event_id ORDER BY e.ordinality) AS last_event_ids,
               array_agg(e.last_location ORDER BY e.ordinality) AS last_locations
        FROM user_online_span_hours AS h
        CROSS JOIN LATERAL unnest(h.users, h.first_at, h.last_at, h.events, h.last_event_ids, h.last_locations)
            WITH ORDINALITY AS e (user_id, first_at, last_at, events, last_event_id, last_location, ordinality)
        WHERE h.hour = ANY (ARRAY(SELECT DISTINCT date_trunc('hour', q, 'UTC') FROM unnest(touched) AS q))
          AND erased = ANY (h.users)
          AND e.user_id <> erased
        GROUP BY h.hour
    ),
    emptied AS (
        DELETE FROM user_online_span_hours AS h
        WHERE h.hour = ANY (ARRAY(SELECT DISTINCT date_trunc('hour', q, 'UTC') FROM unnest(touched) AS q))
          AND erased = ANY (h.users)
          AND NOT EXISTS (SELECT 1 FROM unnest(h.users) AS u WHERE u <> erased)
    )
    UPDATE user_online_span_hours AS h
    SET reach = k.reach, users = k.users, first_at = k.first_at, last_at = k.last_at, events = k.events,
        last_event_ids = k.last_event_ids, last_locations = k.last_locations
    FROM kept AS k
    WHERE h.hour = k.hour;

    WITH kept AS (
        SELECT v.location, v.day,
               array_agg(e.number ORDER BY e.ordinality) AS quarters,
               array_agg(e.user_id ORDER BY e.ordinality) AS users,
               array_agg(e.events ORDER BY e.ordinality) AS events,
               array_agg(e.last_at ORDER BY e.ordinality) AS last_at
        FROM location_visit_days AS v
        CROSS JOIN LATERAL unnest(v.quarters, v.users, v.events, v.last_at) WITH ORDINALITY AS e (number, user_id, events, last_at, ordinality)
        WHERE v.day = ANY (ARRAY(SELECT DISTINCT (q AT TIME ZONE 'UTC')::date FROM unnest(touched) AS q))
          AND erased = ANY (v.users)
          AND e.user_id <> erased
        GROUP BY v.location, v.day
    ),
    emptied AS (
        DELETE FROM location_visit_days AS v
        WHERE v.day = ANY (ARRAY(SELECT DISTINCT (q AT TIME ZONE 'UTC')::date FROM unnest(touched) AS q))
          AND erased = ANY (v.users)
          AND NOT EXISTS (SELECT 1 FROM unnest(v.users) AS u WHERE u <> erased)
    )
    UPDATE location_visit_days AS v
    SET quarters = k.quarters, users = k.users, events = k.events, last_at = k.last_at
    FROM kept AS k
    WHERE v.location = k.location AND v.day = k.day;
END
$$;

-- Erases one user (DESIGN.md, "Erased user"): their events in every partition of the log,
-- their traces in the projections, live and twin, and their hiding; records how many events
-- went, and when. Returns that number.
CREATE FUNCTION presence_erase(erased text) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    live    presence_projector%ROWTYPE;
    twin    presence_next.presence_projector%ROWTYPE;
    schema  text := current_schema();
    deleted bigint;
BEGIN
    -- No batch folds beside it, live or twin: a batch holds its checkpoint the same way.
    SELECT * INTO live FROM presence_projector FOR UPDATE;
    SELECT * INTO twin FROM presence_next.presence_projector FOR UPDATE;

    CREATE TEMPORARY TABLE presence_erased_events ON COMMIT DROP AS
    WITH gone AS (DELETE FROM seen_events WHERE user_id = erased RETURNING tx, at, id)
    SELECT tx, at, id FROM gone;
    GET DIAGNOSTICS deleted = ROW_COUNT;

    -- The events the checkpoints had folded no longer count as folded.
    UPDATE presence_projector
    SET events = events - (SELECT count(*) FROM presence_erased_events AS e
                           WHERE (e.tx, e.at, e.id) <= (live.position_tx, live.position_at, live.position_id));
    UPDATE presence_next.presence_projector
    SET events = events - (SELECT count(*) FROM presence_erased_events AS e
                           WHERE (e.tx, e.at, e.id) <= (twin.position_tx, twin.position_at, twin.position_id));
    DROP TABLE presence_erased_events;

    PERFORM presence_erase_projections(erased);
    PERFORM set_config('search_path', format('presence_next, %I, pg_temp', schema), true);
    PERFORM presence_erase_projections(erased);
    PERFORM set_config('search_path', format('%I, pg_temp', schema), true);

    DELETE FROM presence_hidden_users WHERE user_id = erased;
    INSERT INTO presence_erasures (events) VALUES (deleted);
    RETURN deleted;
END
$$;

REVOKE ALL ON FUNCTION presence_hide(text), presence_unhide(text), presence_erase(text), presence_erase_projections(text) FROM PUBLIC;

-- The three run as the log's owner, with the search path fixed to this schema.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION presence_hide(text) SECURITY DEFINER SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION presence_unhide(text) SECURITY DEFINER SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION presence_erase(text) SECURITY DEFINER SET search_path = %I, pg_temp', current_schema());
END
$$;

-- As in 0016, with a fourth role: presence_privacy may hide, show and erase users and do
-- nothing else; the reader reads who is hidden, as its lists leave them out.
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

    FOREACH role_name IN ARRAY ARRAY['presence_ingest', 'presence_projector', 'presence_reader', 'presence_privacy'] LOOP
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
        ELSIF role_name = 'presence_reader' THEN
            EXECUTE format('GRANT SELECT ON %s TO presence_reader', projections);
            GRANT SELECT ON seen_events, presence_settings, presence_projector, presence_dropped_partitions,
                online_users, online_count, presence_hidden_users
                TO presence_reader;
        ELSE
            -- Hiding and erasing, through the functions that run as the log's owner.
            GRANT EXECUTE ON FUNCTION presence_hide(text), presence_unhide(text), presence_erase(text) TO presence_privacy;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;

SELECT * FROM presence_grant_roles();
