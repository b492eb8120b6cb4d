-- Deletes every trace of one user from the projections of the schemas on the search path
-- (the live ones, or presence_next's twins): their rows, and their entries in the packed
-- days' arrays (0025). The user's quarter hours, read first, say which packed hours and days
-- and which visit quarters can hold them; presence_erase leaves the events it deleted from
-- the log in pg_temp.presence_erased_events, whose locations and quarter hours are the keys
-- of the unpacked visits.
--
-- Those visits were found by quarter hour alone, through a block range index. The packer
-- deletes a day's rows, VACUUM frees their pages and the fold fills them with new quarter
-- hours; a block range's summary only ever widens, so with a year of history every range
-- spanned the whole year and one quarter hour's read took 7,040 pages (117 ms), against 303
-- (7 ms) with 45 days. A B-tree on (quarter, user_id) would have cost the fold 3 µs for each
-- new visit row (13.1 s against 10.1 s for a million rows upserted in batches of 20,000);
-- the log's own rows cost nothing more. Edit this file in place: the Migrator applies it
-- again when its text changes.
CREATE OR REPLACE FUNCTION presence_erase_projections(erased text) RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    touched timestamptz[];
    dropped timestamptz[];
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
    -- The unpacked visits through their key: the locations and quarter hours of the events
    -- presence_erase deleted from the log. The days retention dropped from it, if any are
    -- still unpacked, through the quarter hours' block range index.
    DELETE FROM location_visits AS v
    USING (SELECT DISTINCT e.location, presence_quarter(e.at) AS quarter
           FROM pg_temp.presence_erased_events AS e WHERE e.location IS NOT NULL) AS p
    WHERE v.location = p.location AND v.quarter = p.quarter AND v.user_id = erased;
    dropped := ARRAY(SELECT q FROM unnest(touched) AS q
                     WHERE (q AT TIME ZONE 'UTC')::date IN (SELECT d.day FROM presence_dropped_partitions AS d));
    IF cardinality(dropped) > 0 THEN
        DELETE FROM location_visits WHERE quarter = ANY (dropped) AND user_id = erased;
    END IF;

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
