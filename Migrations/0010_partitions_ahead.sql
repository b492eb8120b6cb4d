-- Partitions off the write path (DESIGN.md, "Growing old well"). A writer created the day
-- partition of its events when it was missing, and attaching one takes an ACCESS EXCLUSIVE
-- lock on seen_events_default: around midnight UTC a flush waited behind any long query on the
-- log (a 5 s reader held one up 4 s), and every reader of the log queued behind the waiting
-- lock. Now:
-- * presence_maintain_partitions() keeps the days from yesterday to 30 days ahead, and gives
--   the days of events that landed in seen_events_default partitions of their own (which moves
--   them out). `presence migrate`, the follower (`presence project --follow`) and a service of
--   `presence serve` call it, so that in normal operation a writer never creates a partition.
-- * Creating partitions waits at most 200 ms for a lock (lock_timeout), then fails with
--   lock_not_available and takes nothing with it; the caller tries again later. A writer goes
--   on without the partition: its events land in seen_events_default until the next
--   maintenance moves them, so late events for a day that retention dropped still land where
--   retention can drop them again.

ALTER FUNCTION presence_ensure_partitions(date, date) SET lock_timeout = '200ms';

-- Keeps the log's day partitions from yesterday to days_ahead days after today (UTC), and
-- gives up to 31 days of the events in seen_events_default partitions of their own. Returns
-- how many partitions it created. As SECURITY DEFINER it runs as the log's owner, with its
-- search_path pinned, for the ingest and projector roles.
CREATE FUNCTION presence_maintain_partitions(days_ahead integer DEFAULT 30)
RETURNS integer
LANGUAGE plpgsql
SET lock_timeout = '200ms'
AS $$
DECLARE
    today    date := (now() AT TIME ZONE 'UTC')::date;
    created  integer;
    stray    record;
BEGIN
    IF days_ahead IS NULL OR days_ahead < 0 OR days_ahead > 1000 THEN
        RAISE EXCEPTION 'presence_maintain_partitions keeps 0 to 1000 days ahead, asked for %', days_ahead;
    END IF;
    created := presence_ensure_partitions(today - 1, today + days_ahead);
    -- Normally empty, so reading it whole costs nothing.
    FOR stray IN
        SELECT DISTINCT (at AT TIME ZONE 'UTC')::date AS day FROM seen_events_default ORDER BY 1 LIMIT 31
    LOOP
        created := created + presence_ensure_partitions(stray.day, stray.day);
    END LOOP;
    RETURN created;
END
$$;

COMMENT ON FUNCTION presence_maintain_partitions(integer) IS
    'Creates the log''s day partitions ahead of time, and for the events that landed in seen_events_default.';

DO $$
BEGIN
    EXECUTE format(
        'ALTER FUNCTION presence_maintain_partitions(integer) SECURITY DEFINER SET search_path = %I, pg_temp',
        current_schema());
END
$$;
REVOKE ALL ON FUNCTION presence_maintain_partitions(integer) FROM PUBLIC;

-- As in 0007, with EXECUTE on presence_maintain_partitions for the ingest and projector roles.
CREATE OR REPLACE FUNCTION presence_grant_roles()
RETURNS TABLE (role_name text, status text)
LANGUAGE plpgsql AS $$
DECLARE
    may_create   boolean;
    owns_schema  boolean;
    owns_db      boolean;
    schema_name  text := current_schema();
BEGIN
    SELECT r.rolsuper OR r.rolcreaterole INTO may_create FROM pg_roles AS r WHERE r.rolname = current_user;
    SELECT pg_has_role(n.nspowner, 'USAGE') INTO owns_schema FROM pg_namespace AS n WHERE n.nspname = schema_name;
    SELECT pg_has_role(d.datdba, 'USAGE') INTO owns_db FROM pg_database AS d WHERE d.datname = current_database();

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
            GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON presence_current, user_sessions, user_activity
                TO presence_projector;
            GRANT SELECT, UPDATE ON presence_projector TO presence_projector;
            -- The follower keeps the log's days ahead of time.
            GRANT EXECUTE ON FUNCTION presence_maintain_partitions(integer) TO presence_projector;
            IF owns_db THEN
                EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO presence_projector', current_database());
            END IF;
        ELSE
            GRANT SELECT ON seen_events, presence_current, user_sessions, user_activity, presence_settings,
                presence_projector, presence_dropped_partitions, online_users, online_count
                TO presence_reader;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;

SELECT * FROM presence_grant_roles();
