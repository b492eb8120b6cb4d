-- The online spans (0020) and location visits (0021) of old days, packed (issue 15; DESIGN.md,
-- "Growing old well"). Both are kept forever, as rows of their own that cost a tuple header
-- and key entries each: the growth benchmark measured 103 and 218 bytes per event, beside
-- 265 for the log that retention drops. Only the last days' rows change in normal operation,
-- so the projector packs them with the activity (0016), a UTC day at a time, once the day
-- ended some weeks before the last event it folded (presence_compact_activity below):
--
-- - user_online_span_hours: the spans that begin in a UTC hour, as arrays, one row per hour.
--   A span is packed once it ends, threshold included, within the UTC day it begins on; the
--   few that run past midnight stay rows of user_online_spans. So every packed span lies
--   before the end of the latest packed day of activity (packed_until), and only a batch
--   event before it can join one: the fold moves the hours such an event reaches back into
--   rows, folds as before, and packs them again (presence_fold_online).
-- - location_visit_days: the visits of a location on a UTC day, as arrays, one row per
--   location and day. A batch's events before packed_until are appended to their day's row
--   (an entry per quarter hour, user and batch, which readers add up).
--
-- Nothing is coarsened, so every answer stays exact. Readers take both forms through
-- presence_online_spans(range) and presence_location_visits(location, from, to).

CREATE TABLE user_online_span_hours (
    -- The UTC hour the row's spans begin in.
    hour            timestamptz   NOT NULL PRIMARY KEY,
    -- The latest last_at of the row's spans: a row reaches no later.
    reach           timestamptz   NOT NULL,
    users           text[]        NOT NULL,
    first_at        timestamptz[] NOT NULL,
    last_at         timestamptz[] NOT NULL,
    events          bigint[]      NOT NULL,
    last_event_ids  uuid[]        NOT NULL,
    last_locations  text[]        NOT NULL,
    CHECK (cardinality(users) > 0 AND cardinality(users) = cardinality(first_at)
           AND cardinality(users) = cardinality(last_at) AND cardinality(users) = cardinality(events)
           AND cardinality(users) = cardinality(last_event_ids) AND cardinality(users) = cardinality(last_locations))
);
COMMENT ON TABLE user_online_span_hours IS
    'Presence: user_online_spans of the older UTC days, one row per hour they begin in; the i-th elements of the arrays make a span.';

CREATE TABLE location_visit_days (
    location  text          NOT NULL,
    day       date          NOT NULL,
    -- Each entry: a quarter hour's number in the UTC day (0 to 95), a user, their events
    -- there in it and the latest time; a (quarter, user) may have several entries.
    quarters  smallint[]    NOT NULL,
    users     text[]        NOT NULL,
    events    bigint[]      NOT NULL,
    last_at   timestamptz[] NOT NULL,
    PRIMARY KEY (location, day),
    CHECK (cardinality(quarters) > 0 AND cardinality(quarters) = cardinality(users)
           AND cardinality(quarters) = cardinality(events) AND cardinality(quarters) = cardinality(last_at))
);
COMMENT ON TABLE location_visit_days IS
    'Presence: location_visits of the older UTC days, one row per location and day; the i-th elements of the arrays make an entry.';

CREATE TRIGGER presence_keep_dropped_days BEFORE TRUNCATE ON user_online_span_hours
    FOR EACH STATEMENT EXECUTE FUNCTION presence_keep_dropped_days();
CREATE TRIGGER presence_keep_dropped_days BEFORE TRUNCATE ON location_visit_days
    FOR EACH STATEMENT EXECUTE FUNCTION presence_keep_dropped_days();
SELECT presence_make_twin(name) FROM unnest(ARRAY['user_online_span_hours', 'location_visit_days']) AS name;

-- The packer finds a day's visits by their quarter hour: a block range index, which the
-- fold's inserts, in about time order, keep at almost no cost, where a B-tree would add a
-- key entry to each.
CREATE INDEX location_visits_quarter ON location_visits USING brin (quarter);
CREATE INDEX location_visits_quarter ON presence_next.location_visits USING brin (quarter);

-- The online spans, packed or not, whose events [first_at, last_at] overlap `reaching`: the
-- way to read them. An inlined SQL function: the rows through their GiST index, the hour
-- rows through their key from the start of the UTC day of the range's start (a packed span
-- lies within the day it begins on).
CREATE FUNCTION presence_online_spans(reaching tstzrange)
RETURNS TABLE (user_id text, first_at timestamptz, last_at timestamptz, events bigint, last_event_id uuid, last_location text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT s.user_id, s.first_at, s.last_at, s.events, s.last_event_id, s.last_location
FROM user_online_spans AS s
WHERE tstzrange(s.first_at, s.last_at, '[]') && $1
UNION ALL
SELECT p.user_id, p.first_at, p.last_at, p.events, p.last_event_id, p.last_location
FROM (
    SELECT unnest(h.users) AS user_id, unnest(h.first_at) AS first_at, unnest(h.last_at) AS last_at,
           unnest(h.events) AS events, unnest(h.last_event_ids) AS last_event_id, unnest(h.last_locations) AS last_location
    FROM user_online_span_hours AS h
    WHERE h.hour >= date_trunc('day', lower($1), 'UTC') AND h.hour <= upper($1) AND h.reach >= lower($1)
) AS p
WHERE tstzrange(p.first_at, p.last_at, '[]') && $1
$$;

-- The visits of a location, packed or not, in the quarter hours [from_quarter, to_quarter):
-- the way to read them. An inlined SQL function, through both tables' keys.
CREATE FUNCTION presence_location_visits(viewed text, from_quarter timestamptz, to_quarter timestamptz)
RETURNS TABLE (quarter timestamptz, user_id text, events bigint, last_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT v.quarter, v.user_id, v.events, v.last_at
FROM location_visits AS v
WHERE v.location = $1 AND v.quarter >= $2 AND v.quarter < $3
UNION ALL
SELECT p.day_start + p.number * interval '15 minutes', p.user_id, p.events, p.last_at
FROM (
    SELECT d.day::timestamp AT TIME ZONE 'UTC' AS day_start, unnest(d.quarters) AS number,
           unnest(d.users) AS user_id, unnest(d.events) AS events, unnest(d.last_at) AS last_at
    FROM location_visit_days AS d
    WHERE d.location = $1 AND d.day >= ($2 AT TIME ZONE 'UTC')::date AND d.day <= ($3 AT TIME ZONE 'UTC')::date
) AS p
WHERE p.day_start + p.number * interval '15 minutes' >= $2 AND p.day_start + p.number * interval '15 minutes' < $3
$$;

-- As in 0021, through presence_location_visits.
CREATE OR REPLACE FUNCTION presence_viewers(viewed text, range_from timestamptz, range_to timestamptz)
RETURNS TABLE (user_id text, events bigint, last_seen timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    -- The first and last whole quarter hour of the range: [whole_from, whole_to).
    whole_from  timestamptz := presence_quarter(range_from)
                               + CASE WHEN presence_quarter(range_from) = range_from THEN interval '0' ELSE interval '15 minutes' END;
    whole_to    timestamptz := greatest(presence_quarter(range_to), whole_from);
    -- The partial quarters: [range_from, head_to) and [tail_from, range_to).
    head_to     timestamptz := least(whole_from, range_to);
    tail_from   timestamptz := greatest(whole_to, range_from);
BEGIN
    IF range_from >= range_to THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT visits.user_id, sum(visits.events)::int8, max(visits.last_at)
    FROM (
        SELECT v.user_id, v.events, v.last_at
        FROM presence_location_visits(viewed, whole_from, whole_to) AS v
        UNION ALL
        SELECT edge.user_id, count(*), max(e.at)
        FROM (
            SELECT DISTINCT v.user_id
            FROM presence_location_visits(viewed, presence_quarter(range_from), presence_quarter(range_from) + interval '15 minutes') AS v
            WHERE range_from < head_to
        ) AS edge
        JOIN seen_events AS e ON e.user_id = edge.user_id
        WHERE e.at >= range_from AND e.at < head_to AND e.location = viewed
        GROUP BY edge.user_id
        UNION ALL
        SELECT edge.user_id, count(*), max(e.at)
        FROM (
            SELECT DISTINCT v.user_id
            FROM presence_location_visits(viewed, presence_quarter(tail_from), presence_quarter(tail_from) + interval '15 minutes') AS v
            WHERE tail_from < range_to
        ) AS edge
        JOIN seen_events AS e ON e.user_id = edge.user_id
        WHERE e.at >= tail_from AND e.at < range_to AND e.location = viewed
        GROUP BY edge.user_id
    ) AS visits
    GROUP BY visits.user_id;
END
$$;

-- Moves the spans of user_online_spans that begin in [from_at, to_at) and end, threshold
-- included, within the UTC day they begin on into user_online_span_hours, by the UTC hour
-- they begin in; an hour that has a row already gets them appended. The spans are found
-- through the GiST index by the range alone.
CREATE FUNCTION presence_pack_online_spans(from_at timestamptz, to_at timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    threshold interval := (SELECT online_threshold FROM presence_settings);
BEGIN
    WITH moved AS (
        DELETE FROM user_online_spans AS s
        WHERE tstzrange(s.first_at, s.last_at, '[]') && tstzrange(from_at, to_at)
          AND s.first_at >= from_at AND s.first_at < to_at
          AND s.last_at + threshold < date_trunc('day', s.first_at, 'UTC') + interval '24 hours'
        RETURNING s.user_id, s.first_at, s.last_at, s.events, s.last_event_id, s.last_location
    )
    INSERT INTO user_online_span_hours AS h (hour, reach, users, first_at, last_at, events, last_event_ids, last_locations)
    SELECT date_trunc('hour', m.first_at, 'UTC'), max(m.last_at),
           array_agg(m.user_id ORDER BY m.first_at, m.user_id), array_agg(m.first_at ORDER BY m.first_at, m.user_id),
           array_agg(m.last_at ORDER BY m.first_at, m.user_id), array_agg(m.events ORDER BY m.first_at, m.user_id),
           array_agg(m.last_event_id ORDER BY m.first_at, m.user_id), array_agg(m.last_location ORDER BY m.first_at, m.user_id)
    FROM moved AS m
    GROUP BY 1
    ON CONFLICT (hour) DO UPDATE
    SET reach = greatest(h.reach, excluded.reach), users = h.users || excluded.users,
        first_at = h.first_at || excluded.first_at, last_at = h.last_at || excluded.last_at,
        events = h.events || excluded.events, last_event_ids = h.last_event_ids || excluded.last_event_ids,
        last_locations = h.last_locations || excluded.last_locations;
END
$$;

-- Moves the rows of location_visits with a quarter hour in [from_at, to_at) into
-- location_visit_days, one row per location and UTC day; a day that has a row already gets
-- them appended. The rows are found through the quarter hours' block range index.
CREATE FUNCTION presence_pack_location_visits(from_at timestamptz, to_at timestamptz) RETURNS void
LANGUAGE sql AS $$
WITH moved AS (
    DELETE FROM location_visits AS v
    WHERE v.quarter >= from_at AND v.quarter < to_at
    RETURNING v.location, v.quarter, v.user_id, v.events, v.last_at
)
INSERT INTO location_visit_days AS d (location, day, quarters, users, events, last_at)
SELECT m.location, (m.quarter AT TIME ZONE 'UTC')::date,
       array_agg(presence_quarter_number(m.quarter) ORDER BY m.quarter, m.user_id),
       array_agg(m.user_id ORDER BY m.quarter, m.user_id), array_agg(m.events ORDER BY m.quarter, m.user_id),
       array_agg(m.last_at ORDER BY m.quarter, m.user_id)
FROM moved AS m
GROUP BY 1, 2
ON CONFLICT (location, day) DO UPDATE
SET quarters = d.quarters || excluded.quarters, users = d.users || excluded.users,
    events = d.events || excluded.events, last_at = d.last_at || excluded.last_at;
$$;

-- As in 0020, for batches with events on packed days (before packed_until): first the hour
-- rows whose spans such an event can join (those that reach within a threshold before it,
-- from the start of that UTC day, up to a threshold after it) go back to rows, then the
-- batch is folded as before, then the spans of those days are packed again.
CREATE OR REPLACE FUNCTION presence_fold_online() RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    threshold    interval := (SELECT online_threshold FROM presence_settings);
    packed_until timestamptz := (SELECT (max(day) + 1)::timestamp AT TIME ZONE 'UTC' FROM user_activity_days);
    earliest     timestamptz;
BEGIN
    IF packed_until IS NOT NULL AND EXISTS (SELECT 1 FROM presence_batch WHERE at < packed_until) THEN
        earliest := (SELECT min(at) FROM presence_batch);
        WITH hours AS (
            SELECT DISTINCT h.hour
            FROM presence_batch AS b
            JOIN user_online_span_hours AS h
              ON h.hour >= date_trunc('day', b.at - threshold, 'UTC') AND h.hour <= b.at + threshold
             AND h.reach >= b.at - threshold
            WHERE b.at < packed_until
        ),
        moved AS (
            DELETE FROM user_online_span_hours AS h
            USING hours
            WHERE h.hour = hours.hour
            RETURNING h.users, h.first_at, h.last_at, h.events, h.last_event_ids, h.last_locations
        )
        INSERT INTO user_online_spans (user_id, first_at, last_at, events, last_event_id, last_location)
        SELECT s.user_id, s.first_at, s.last_at, s.events, s.last_event_id, s.last_location
        FROM moved AS m,
             unnest(m.users, m.first_at, m.last_at, m.events, m.last_event_ids, m.last_locations)
                 AS s (user_id, first_at, last_at, events, last_event_id, last_location);
    END IF;

    WITH runs AS (
        SELECT user_id, min(at) AS first_at, max(at) AS last_at
        FROM (
            SELECT user_id, at,
                   count(*) FILTER (WHERE starts) OVER (
                       PARTITION BY user_id ORDER BY at ROWS UNBOUNDED PRECEDING) AS run
            FROM (
                SELECT user_id, at,
                       coalesce(at - lag(at) OVER (PARTITION BY user_id ORDER BY at) > threshold, true) AS starts
                FROM presence_batch
            ) AS marked
        ) AS numbered
        GROUP BY user_id, run
    ),
    touched AS (
        SELECT DISTINCT near.user_id, near.first_at
        FROM runs AS r
        CROSS JOIN LATERAL (
            SELECT s.user_id, s.first_at
            FROM user_online_spans AS s
            WHERE s.user_id = r.user_id
              AND s.first_at >= r.first_at - threshold AND s.first_at <= r.last_at + threshold
            UNION ALL
            SELECT before.user_id, before.first_at
            FROM (
                SELECT s.user_id, s.first_at, s.last_at
                FROM user_online_spans AS s
                WHERE s.user_id = r.user_id AND s.first_at < r.first_at - threshold
                ORDER BY s.first_at DESC
                LIMIT 1
            ) AS before
            WHERE before.last_at >= r.first_at - threshold
        ) AS near
    ),
    nearby AS (
        DELETE FROM user_online_spans AS s
        USING touched AS t
        WHERE s.user_id = t.user_id AND s.first_at = t.first_at
        RETURNING s.user_id, s.first_at, s.last_at, s.events, s.last_event_id, s.last_location
    ),
    intervals AS (
        SELECT user_id, first_at, last_at, events, last_event_id, last_location FROM nearby
        UNION ALL
        SELECT user_id, at, at, 1, id, location FROM presence_batch
    ),
    marked AS (
        SELECT *,
               coalesce(first_at > max(last_at) OVER (
                   PARTITION BY user_id ORDER BY first_at, last_at
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + threshold, true) AS starts
        FROM intervals
    ),
    numbered AS (
        SELECT *,
               count(*) FILTER (WHERE starts) OVER (
                   PARTITION BY user_id ORDER BY first_at, last_at ROWS UNBOUNDED PRECEDING) AS span
        FROM marked
    )
    INSERT INTO user_online_spans (user_id, first_at, last_at, events, last_event_id, last_location)
    SELECT user_id, min(first_at), max(last_at), sum(events),
           (array_agg(last_event_id ORDER BY last_at DESC, last_event_id DESC))[1],
           (array_agg(last_location ORDER BY last_at DESC, last_event_id DESC))[1]
    FROM numbered
    GROUP BY user_id, span;

    IF earliest IS NOT NULL THEN
        PERFORM presence_pack_online_spans(date_trunc('day', earliest - threshold, 'UTC'), packed_until);
    END IF;
END
$$;

-- As in 0021, with the batch's events on packed days (before packed_until) appended to
-- their location's and day's row.
CREATE OR REPLACE FUNCTION presence_fold_visits() RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    packed_until timestamptz := coalesce(
        (SELECT (max(day) + 1)::timestamp AT TIME ZONE 'UTC' FROM user_activity_days), '-infinity');
BEGIN
    IF EXISTS (SELECT 1 FROM presence_batch WHERE at < packed_until AND location IS NOT NULL) THEN
        INSERT INTO location_visit_days AS d (location, day, quarters, users, events, last_at)
        SELECT location, day, array_agg(number ORDER BY number, user_id), array_agg(user_id ORDER BY number, user_id),
               array_agg(events ORDER BY number, user_id), array_agg(last_at ORDER BY number, user_id)
        FROM (
            SELECT location, (at AT TIME ZONE 'UTC')::date AS day, presence_quarter_number(presence_quarter(at)) AS number,
                   user_id, count(*) AS events, max(at) AS last_at
            FROM presence_batch
            WHERE at < packed_until AND location IS NOT NULL
            GROUP BY 1, 2, 3, 4
        ) AS v
        GROUP BY location, day
        ON CONFLICT (location, day) DO UPDATE
        SET quarters = d.quarters || excluded.quarters, users = d.users || excluded.users,
            events = d.events || excluded.events, last_at = d.last_at || excluded.last_at;
    END IF;

    INSERT INTO location_visits AS v (location, quarter, user_id, events, last_at)
    SELECT location, presence_quarter(at), user_id, count(*), max(at)
    FROM presence_batch
    WHERE location IS NOT NULL AND at >= packed_until
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (location, quarter, user_id) DO UPDATE
    SET events = v.events + excluded.events, last_at = greatest(v.last_at, excluded.last_at);
END
$$;

-- As in 0016, packing the day's online spans and location visits with its activity, and with
-- the day's end 24 hours after its start: `+ interval '1 day'` on a timestamptz follows the
-- session's time zone, 23 or 25 hours on a day its clocks change.
CREATE OR REPLACE FUNCTION presence_compact_activity(keep interval) RETURNS date
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    checkpoint presence_projector%ROWTYPE;
    oldest     timestamptz;
    packed_day date;
    day_start  timestamptz;
    day_end    timestamptz;
BEGIN
    SELECT * INTO checkpoint FROM presence_projector FOR UPDATE;
    SELECT min(a.quarter) INTO oldest FROM user_activity AS a;
    packed_day := (oldest AT TIME ZONE 'UTC')::date;
    day_start := packed_day::timestamp AT TIME ZONE 'UTC';
    day_end := day_start + interval '24 hours';
    IF oldest IS NULL OR day_end > checkpoint.position_at - keep THEN
        RETURN NULL;
    END IF;

    INSERT INTO user_activity_days (user_id, day, previous_quarter, quarters, events)
    SELECT a.user_id, packed_day, (array_agg(a.previous_quarter ORDER BY a.quarter))[1],
           array_agg(presence_quarter_number(a.quarter) ORDER BY a.quarter), array_agg(a.events ORDER BY a.quarter)
    FROM user_activity AS a
    WHERE a.quarter >= day_start AND a.quarter < day_end
    GROUP BY a.user_id
    ORDER BY a.user_id;
    DELETE FROM user_activity AS a WHERE a.quarter >= day_start AND a.quarter < day_end;

    PERFORM presence_pack_online_spans(day_start, day_end);

    PERFORM presence_pack_location_visits(day_start, day_end);
    RETURN packed_day;
END
$$;

-- The days already packed in activity have their spans and visits packed now, so that every
-- batch finds the three packed through the same day.
DO $$
DECLARE
    packed_until timestamptz := (SELECT (max(day) + 1)::timestamp AT TIME ZONE 'UTC' FROM user_activity_days);
BEGIN
    PERFORM 1 FROM presence_projector FOR UPDATE;
    IF packed_until IS NULL THEN
        RETURN;
    END IF;
    PERFORM presence_pack_online_spans('-infinity', packed_until);
    PERFORM presence_pack_location_visits('-infinity', packed_until);
END
$$;

SELECT * FROM presence_grant_roles();
