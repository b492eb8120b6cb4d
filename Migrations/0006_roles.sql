-- Least privilege (README, "Roles"): three group roles, NOLOGIN, that the login roles of the
-- processes join (CREATE ROLE web LOGIN PASSWORD '…' IN ROLE presence_ingest):
--
--   presence_ingest     appends events to the log and nothing else: INSERT on the event's
--                       columns of seen_events (not tx, which orders the projector's reading
--                       and must stay the writing transaction's), and EXECUTE on
--                       presence_ensure_partitions, which becomes SECURITY DEFINER so that
--                       writers can create the day partitions they need. It cannot SELECT,
--                       UPDATE, DELETE or TRUNCATE events, nor create tables.
--   presence_projector  folds the log into the projections: reads the log and the settings,
--                       writes and empties (rebuild) the projections, moves the checkpoint.
--   presence_reader     reads what the reports and dashboards read: the projections, the
--                       views, the settings, the checkpoint, the list of dropped days, and
--                       the log itself, which four reports read (online, last seen as of a
--                       past moment, sessions with another gap than the projector's, and
--                       projector status). It writes nothing.
--
-- Roles belong to the server, not to one database: every Presence database on a server
-- grants to the same three roles. They are created when the migrating role may (superuser or
-- CREATEROLE); otherwise a NOTICE names the missing ones, a DBA creates them
-- (CREATE ROLE presence_ingest NOLOGIN; and so on), and the next `presence migrate` grants.
-- The grants are in presence_grant_roles(), which every `presence migrate` runs again: a
-- later migration that adds a table adds its grants there (CREATE OR REPLACE).
--
-- Partitions need no grants of their own: they are created by presence_ensure_partitions as
-- the log's owner, and every role reaches them through seen_events, whose privileges are the
-- ones PostgreSQL checks.

-- Writers call it for the days of their batches; as SECURITY DEFINER it creates the tables as
-- the log's owner. Its search_path is pinned to this schema (and pg_temp last), so a caller
-- cannot slip in objects of its own. Only the ingest role (and the owner) may call it.
DO $$
BEGIN
    EXECUTE format(
        'ALTER FUNCTION presence_ensure_partitions(date, date) SECURITY DEFINER SET search_path = %I, pg_temp',
        current_schema());
END
$$;
REVOKE ALL ON FUNCTION presence_ensure_partitions(date, date) FROM PUBLIC;

-- Makes sure the three roles exist (creating the missing ones NOLOGIN when the current role
-- may) and grants each exactly what it needs in this database. Safe to run again, and from
-- migrations of several databases of one server at once. Returns one row per role: 'created',
-- 'granted' (it existed already) or 'missing' (it does not exist and could not be created).
-- Role names are fixed here and spliced in with format('%I'), never taken from input.
CREATE FUNCTION presence_grant_roles()
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
            IF owns_db THEN
                EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO presence_ingest', current_database());
            END IF;
        ELSIF role_name = 'presence_projector' THEN
            -- presence_project and presence_rebuild fold through a temporary table.
            GRANT SELECT ON seen_events, presence_settings, presence_dropped_partitions TO presence_projector;
            GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON presence_current, user_sessions, user_activity
                TO presence_projector;
            GRANT SELECT, UPDATE ON presence_projector TO presence_projector;
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

COMMENT ON FUNCTION presence_grant_roles() IS
    'Creates (when allowed) the roles presence_ingest, presence_projector and presence_reader, and grants each what it needs.';

REVOKE ALL ON FUNCTION presence_grant_roles() FROM PUBLIC;

SELECT * FROM presence_grant_roles();
