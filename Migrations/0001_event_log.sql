-- The event log: every seen-event, append-only, the source of truth (DESIGN.md, "Definitions").
--
-- Partitioned by day (UTC) so that old raw events can be dropped a day at a time once the
-- projections hold what they said; anything outside the days that have a partition lands in
-- seen_events_default, and presence_ensure_partitions moves it out when its day is created.

CREATE TABLE seen_events (
    -- The event's identity (UUIDv7 when the producer gave none).
    id        uuid        NOT NULL,
    -- Who was seen: 1 to 256 bytes of UTF-8 (PostgreSQL text holds no NUL).
    user_id   text        NOT NULL,
    -- When, to the microsecond.
    at        timestamptz NOT NULL,
    -- Where in the application, up to 2048 bytes.
    location  text,
    -- The writing transaction. A reader that takes only rows with
    -- tx < pg_snapshot_xmin(pg_current_snapshot()) sees every transaction that can still
    -- commit below that bound, so a transaction that began early and commits late is never
    -- skipped: the projector reads the log in this order.
    tx        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT seen_events_user_id_length CHECK (octet_length(user_id) BETWEEN 1 AND 256),
    CONSTRAINT seen_events_location_length CHECK (location IS NULL OR octet_length(location) <= 2048),
    -- The same event (same id, same time) can be stored only once. `at` leads because the
    -- partition key must be part of the key and because live traffic arrives in time order.
    CONSTRAINT seen_events_pkey PRIMARY KEY (at, id)
) PARTITION BY RANGE (at);

COMMENT ON TABLE seen_events IS
    'Presence event log: one row per seen-event, append-only, partitioned by UTC day.';

CREATE TABLE seen_events_default PARTITION OF seen_events DEFAULT;

-- Makes sure every UTC day from first_day to last_day (both included) has its own partition,
-- and returns how many it created. Rows of such a day already in the default partition move
-- into the new partition with their columns unchanged (tx included), so readers that already
-- folded them never see them again. Safe to call from several sessions at once.
CREATE FUNCTION presence_ensure_partitions(first_day date, last_day date)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    day        date;
    name       text;
    day_start  timestamptz;
    day_end    timestamptz;
    created    integer := 0;
BEGIN
    IF first_day IS NULL OR last_day IS NULL OR last_day < first_day THEN
        RAISE EXCEPTION 'presence_ensure_partitions needs first_day <= last_day, got % and %',
            first_day, last_day;
    END IF;
    IF last_day - first_day > 1000 THEN
        RAISE EXCEPTION 'presence_ensure_partitions creates at most 1001 days at once, asked for % to %',
            first_day, last_day
            USING HINT = 'Call it for a shorter range; events outside any day partition are kept in seen_events_default.';
    END IF;
    FOR day IN SELECT d::date FROM generate_series(first_day, last_day, interval '1 day') AS d LOOP
        name := 'seen_events_' || to_char(day, 'YYYYMMDD');
        CONTINUE WHEN to_regclass(format('%I.%I', current_schema(), name)) IS NOT NULL;
        -- One creator at a time. A session that waited here may still have missed the other's
        -- table in its lookup above; CREATE TABLE then fails with duplicate_table, and the
        -- partition is known to be complete, since it was made in the other's one transaction.
        PERFORM pg_advisory_xact_lock(hashtextextended('presence_ensure_partitions', 0));
        BEGIN
            EXECUTE format(
                'CREATE TABLE %I (LIKE seen_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)',
                name);
        EXCEPTION WHEN duplicate_table THEN
            CONTINUE;
        END;

        day_start := day::timestamp AT TIME ZONE 'UTC';
        day_end := (day + 1)::timestamp AT TIME ZONE 'UTC';
        EXECUTE format(
            'WITH moved AS (DELETE FROM seen_events_default WHERE at >= $1 AND at < $2 RETURNING *) '
            'INSERT INTO %I SELECT * FROM moved', name)
            USING day_start, day_end;
        EXECUTE format(
            'ALTER TABLE seen_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
            name, day_start, day_end);
        created := created + 1;
    END LOOP;
    RETURN created;
END
$$;

COMMENT ON FUNCTION presence_ensure_partitions(date, date) IS
    'Creates the missing daily partitions of seen_events from first_day to last_day (UTC days).';
