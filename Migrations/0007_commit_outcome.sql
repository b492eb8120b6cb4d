-- What became of a writer's transaction whose COMMIT went unanswered, for a writer that may
-- not read the log (presence_ingest). pg_xact_status answers for a transaction id, but an id
-- outlives a crash only when something the transaction wrote reached the write-ahead log on
-- disk; after a crash the same id can be handed out again. So the writer trusts "committed"
-- only when the log holds an event of its batch written under that id, which this function
-- tells it without letting it read anything else. As SECURITY DEFINER it runs as the log's
-- owner, with its search_path pinned to this schema (and pg_temp last).
CREATE FUNCTION presence_commit_outcome(transaction xid8, ids uuid[])
RETURNS TABLE (status text, wrote_batch boolean)
LANGUAGE sql STABLE AS $$
    SELECT pg_xact_status(transaction),
           EXISTS (SELECT 1 FROM seen_events WHERE tx = transaction AND id = ANY(ids))
$$;

DO $$
BEGIN
    EXECUTE format(
        'ALTER FUNCTION presence_commit_outcome(xid8, uuid[]) SECURITY DEFINER SET search_path = %I, pg_temp',
        current_schema());
END
$$;
REVOKE ALL ON FUNCTION presence_commit_outcome(xid8, uuid[]) FROM PUBLIC;

-- As in 0006, with EXECUTE on presence_commit_outcome for the ingest role.
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

SELECT * FROM presence_grant_roles();
