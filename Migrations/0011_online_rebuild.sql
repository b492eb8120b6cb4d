-- A rebuild that does not stop the world (DESIGN.md, "Growing old well"). presence_rebuild()
-- copied and sorted the whole log in one transaction and emptied the projections with
-- TRUNCATE, whose locks kept every reader of them waiting until it ended: about 45 s at
-- 2.4M events, and hours at a year of history.
--
-- Now a rebuild folds the log into twins of the projections, in schema presence_next, with
-- the projector's own function, batch by batch: presence_fold() names the tables without a
-- schema, so in a transaction whose search_path starts with presence_next it reads and moves
-- presence_next.presence_projector, the twins' checkpoint, and writes the twins. Readers
-- keep reading the projections meanwhile, and the live projector keeps folding into them.
-- Each batch commits with the twins' checkpoint, so a rebuild that stops (a crash, Ctrl-C)
-- goes on where it was when started again. When the twins have caught up, one short
-- transaction brings both to the same event and swaps them in (presence_swap_projections);
-- the live projector, which waits on its checkpoint meanwhile, then goes on from the same
-- event in the new tables: nothing is folded twice or skipped.
--
-- A migration that adds a projection table calls presence_make_twin() for it; the swap takes
-- every table of presence_next, and rebinds every view on them.

CREATE SCHEMA presence_next;
COMMENT ON SCHEMA presence_next IS
    'Presence: the twins of the projections that a rebuild folds into before it swaps them in.';
-- Empty but during a swap: where the live tables wait while their twins move in.
CREATE SCHEMA presence_swap;
COMMENT ON SCHEMA presence_swap IS
    'Presence: empty; holds the live projections for a moment while a rebuild swaps their twins in.';

-- Creates the twin of a projection table in presence_next: the same columns, defaults,
-- checks and generated columns, the same indexes and primary key under the same names, and
-- the same triggers, so that either can take the other's place.
CREATE FUNCTION presence_make_twin(table_name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    live      regclass := format('%I', table_name)::regclass;
    qualified text := format('%I.%I', current_schema(), table_name);
    twin      text := format('presence_next.%I', table_name);
    index     record;
    trigger   record;
BEGIN
    EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING ALL EXCLUDING INDEXES)', twin, qualified);
    FOR index IN
        SELECT i.indexrelid, c.relname AS name, k.conname, k.contype
        FROM pg_index AS i
        JOIN pg_class AS c ON c.oid = i.indexrelid
        LEFT JOIN pg_constraint AS k ON k.conindid = i.indexrelid AND k.conrelid = live
        WHERE i.indrelid = live
    LOOP
        EXECUTE replace(pg_get_indexdef(index.indexrelid), ' ON ' || qualified || ' ', ' ON ' || twin || ' ');
        IF index.contype = 'p' THEN
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY USING INDEX %I', twin, index.conname, index.name);
        END IF;
    END LOOP;
    FOR trigger IN SELECT t.oid FROM pg_trigger AS t WHERE t.tgrelid = live AND NOT t.tgisinternal LOOP
        EXECUTE replace(pg_get_triggerdef(trigger.oid), ' ON ' || qualified || ' ', ' ON ' || twin || ' ');
    END LOOP;
END
$$;

SELECT presence_make_twin(name) FROM unnest(ARRAY['presence_current', 'user_sessions', 'user_activity']) AS name;

-- The twins' checkpoint, as presence_projector is the live one's: at the start of the log.
CREATE TABLE presence_next.presence_projector (LIKE presence_projector INCLUDING ALL);
INSERT INTO presence_next.presence_projector DEFAULT VALUES;

-- Starts a rebuild, or says that one is under way (true) and goes on with it. A new one
-- starts from empty twins; emptying them passes presence_keep_dropped_days (0005), so a
-- rebuild after retention dropped days is refused unless presence.forget_dropped_days is on.
CREATE FUNCTION presence_start_rebuild() RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    twins record;
BEGIN
    PERFORM 1 FROM presence_next.presence_projector
    WHERE position_tx <> '0' OR events <> 0
    FOR UPDATE;
    IF FOUND THEN
        RETURN true;
    END IF;
    FOR twins IN
        SELECT c.relname FROM pg_class AS c
        WHERE c.relnamespace = 'presence_next'::regnamespace AND c.relkind = 'r' AND c.relname <> 'presence_projector'
    LOOP
        EXECUTE format('TRUNCATE presence_next.%I', twins.relname);
    END LOOP;
    UPDATE presence_next.presence_projector SET updated_at = now();
    RETURN false;
END
$$;

-- Gathers the planner's statistics of the rebuilt twins before they are swapped in, so that
-- the reports plan well from their first query. As SECURITY DEFINER, for the projector role
-- (ANALYZE needs the tables' owner).
CREATE FUNCTION presence_analyze_twins() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    twin text;
BEGIN
    FOR twin IN SELECT c.relname FROM pg_class AS c WHERE c.relnamespace = 'presence_next'::regnamespace AND c.relkind = 'r' LOOP
        EXECUTE format('ANALYZE presence_next.%I', twin);
    END LOOP;
END
$$;

-- Swaps the rebuilt twins in for the projections, once both have folded exactly the same
-- events; returns how many events the projections now hold. The caller locks both
-- checkpoints and folds both to the same event in the same transaction first. Every view on
-- the projections is bound again to the new tables; the old tables, emptied, become the next
-- rebuild's twins; the roles are granted again. As SECURITY DEFINER it runs as the owner of
-- the tables, which moving them needs, for the projector role.
CREATE FUNCTION presence_swap_projections() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    live     presence_projector%ROWTYPE;
    rebuilt  presence_projector%ROWTYPE;
    tables   text[];
    views    text[];
    name     text;
    view     text;
BEGIN
    SELECT * INTO live FROM presence_projector FOR UPDATE;
    SELECT * INTO rebuilt FROM presence_next.presence_projector FOR UPDATE;
    IF (live.position_tx, live.position_at, live.position_id)
        IS DISTINCT FROM (rebuilt.position_tx, rebuilt.position_at, rebuilt.position_id) THEN
        RAISE EXCEPTION 'the rebuilt projections have folded up to % and the live ones up to %: fold both to the same event first',
            rebuilt.position_at, live.position_at;
    END IF;

    SELECT array_agg(c.relname::text) INTO tables FROM pg_class AS c
    WHERE c.relnamespace = 'presence_next'::regnamespace AND c.relkind = 'r' AND c.relname <> 'presence_projector';
    -- The views name their tables by identity: read their text while it still names the
    -- live tables, and define them again once the twins have taken their names.
    SELECT array_agg(DISTINCT format('CREATE OR REPLACE VIEW %s AS %s', v.oid::regclass, pg_get_viewdef(v.oid))) INTO views
    FROM pg_depend AS d
    JOIN pg_rewrite AS r ON r.oid = d.objid
    JOIN pg_class AS v ON v.oid = r.ev_class
    JOIN pg_class AS t ON t.oid = d.refobjid
    WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
      AND t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(tables) AND v.oid <> t.oid;

    FOREACH name IN ARRAY tables LOOP
        EXECUTE format('ALTER TABLE %I SET SCHEMA presence_swap', name);
        EXECUTE format('ALTER TABLE presence_next.%I SET SCHEMA %I', name, current_schema());
        EXECUTE format('ALTER TABLE presence_swap.%I SET SCHEMA presence_next', name);
    END LOOP;
    FOREACH view IN ARRAY coalesce(views, '{}') LOOP
        EXECUTE view;
    END LOOP;

    UPDATE presence_projector SET events = rebuilt.events, updated_at = now();
    FOREACH name IN ARRAY tables LOOP
        EXECUTE format('TRUNCATE presence_next.%I', name);
    END LOOP;
    UPDATE presence_next.presence_projector
    SET position_tx = '0', position_at = '-infinity', position_id = '00000000-0000-0000-0000-000000000000',
        events = 0, updated_at = NULL;
    PERFORM presence_grant_roles();
    RETURN rebuilt.events;
END
$$;

DO $$
BEGIN
    EXECUTE format(
        'ALTER FUNCTION presence_swap_projections() SECURITY DEFINER SET search_path = %I, pg_temp',
        current_schema());
    EXECUTE format(
        'ALTER FUNCTION presence_analyze_twins() SECURITY DEFINER SET search_path = %I, pg_temp',
        current_schema());
END
$$;
REVOKE ALL ON FUNCTION presence_swap_projections() FROM PUBLIC;
REVOKE ALL ON FUNCTION presence_analyze_twins() FROM PUBLIC;

-- As in 0010, with the rebuild's twins and swap for the projector role.
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
            -- A rebuild folds into the twins in presence_next, then swaps them in.
            GRANT USAGE ON SCHEMA presence_next TO presence_projector;
            GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA presence_next TO presence_projector;
            GRANT EXECUTE ON FUNCTION presence_swap_projections() TO presence_projector;
            GRANT EXECUTE ON FUNCTION presence_analyze_twins() TO presence_projector;
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
