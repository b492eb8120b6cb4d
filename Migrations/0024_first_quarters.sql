-- Cohorts (issue 16; DESIGN.md, "Cohorts and lifecycle"): the retention report counts, per
-- cohort (the period of a user's first event ever) and later period, the users active in
-- that period. Each user's first row in a period is found from previous_quarter alone (0016);
-- its cohort was a join with the user's first row, 1.1 million rows against 0.6 million at
-- 10 million events, most of the report's time. So every row of the activity rollup now also
-- carries the user's first quarter hour ever, and the report is one pass over the rows of its
-- range, however long the history before it.
--
-- A new row takes the quarter of presence_current.first_seen, which the batch has folded
-- before the activity. A batch that holds a user's first event ever may have moved it
-- earlier (a late event); then the user's older rows learn it, through the user's keys
-- (presence_correct_first_quarters). Packing a day keeps it. This migration fills the rows
-- there are, live and twin, in one statement each: once, and it rewrites the rollup.

ALTER TABLE user_activity ADD COLUMN first_quarter timestamptz;
ALTER TABLE user_activity_days ADD COLUMN first_quarter timestamptz;
ALTER TABLE presence_next.user_activity ADD COLUMN first_quarter timestamptz;
ALTER TABLE presence_next.user_activity_days ADD COLUMN first_quarter timestamptz;

UPDATE user_activity AS a SET first_quarter = presence_quarter(c.first_seen)
FROM presence_current AS c WHERE c.user_id = a.user_id;
UPDATE user_activity_days AS a SET first_quarter = presence_quarter(c.first_seen)
FROM presence_current AS c WHERE c.user_id = a.user_id;
UPDATE presence_next.user_activity AS a SET first_quarter = presence_quarter(c.first_seen)
FROM presence_next.presence_current AS c WHERE c.user_id = a.user_id;
UPDATE presence_next.user_activity_days AS a SET first_quarter = presence_quarter(c.first_seen)
FROM presence_next.presence_current AS c WHERE c.user_id = a.user_id;

ALTER TABLE user_activity ALTER COLUMN first_quarter SET NOT NULL;
ALTER TABLE user_activity_days ALTER COLUMN first_quarter SET NOT NULL;
ALTER TABLE presence_next.user_activity ALTER COLUMN first_quarter SET NOT NULL;
ALTER TABLE presence_next.user_activity_days ALTER COLUMN first_quarter SET NOT NULL;
COMMENT ON COLUMN user_activity.first_quarter IS 'The quarter hour of the user''s first event ever.';
COMMENT ON COLUMN user_activity_days.first_quarter IS 'The quarter hour of the user''s first event ever.';

-- As in 0016, with each row's first quarter.
DROP FUNCTION presence_activity(timestamptz, timestamptz);
CREATE FUNCTION presence_activity(from_at timestamptz, to_at timestamptz)
RETURNS TABLE (user_id text, quarter timestamptz, events bigint, previous_quarter timestamptz, first_quarter timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT a.user_id, a.quarter, a.events, a.previous_quarter, a.first_quarter
FROM user_activity AS a
WHERE a.quarter >= $1 AND a.quarter < $2
UNION ALL
SELECT p.user_id, p.day_start + p.number * interval '15 minutes', p.events,
       CASE WHEN p.previous IS NULL THEN p.previous_quarter ELSE p.day_start + p.previous * interval '15 minutes' END,
       p.first_quarter
FROM (
    SELECT d.user_id, d.day::timestamp AT TIME ZONE 'UTC' AS day_start, d.previous_quarter, d.first_quarter,
           unnest(d.quarters) AS number, unnest(d.events) AS events,
           unnest(array_prepend(NULL::smallint, d.quarters[1:cardinality(d.quarters) - 1])) AS previous
    FROM user_activity_days AS d
    WHERE d.day >= ($1 AT TIME ZONE 'UTC')::date AND d.day <= ($2 AT TIME ZONE 'UTC')::date
) AS p
WHERE p.day_start + p.number * interval '15 minutes' >= $1 AND p.day_start + p.number * interval '15 minutes' < $2
$$;

-- The users whose first event ever the batch holds, with its quarter hour: every row of
-- theirs must carry it, and a late first event moved it for the rows already there.
CREATE FUNCTION presence_correct_first_quarters() RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
BEGIN
    WITH firsts AS (
        SELECT b.user_id, presence_quarter(b.at) AS first_quarter
        FROM (SELECT user_id, min(at) AS at FROM presence_batch GROUP BY user_id) AS b
        JOIN presence_current AS c ON c.user_id = b.user_id AND c.first_seen = b.at
    ),
    quarters AS (
        UPDATE user_activity AS a SET first_quarter = f.first_quarter
        FROM firsts AS f
        WHERE a.user_id = f.user_id AND a.first_quarter <> f.first_quarter
    )
    UPDATE user_activity_days AS a SET first_quarter = f.first_quarter
    FROM firsts AS f
    WHERE a.user_id = f.user_id AND a.first_quarter <> f.first_quarter;
END
$$;

-- As in 0016, with the first quarter of each new row, from presence_current.
CREATE OR REPLACE FUNCTION presence_fold_packed_activity(packed_until timestamptz) RETURNS void
LANGUAGE plpgsql
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
BEGIN
    INSERT INTO user_activity_days AS a (user_id, day, previous_quarter, quarters, events, first_quarter)
    SELECT m.user_id, m.day,
           greatest(
               lag(presence_last_quarter(m.day, m.quarters)) OVER (PARTITION BY m.user_id ORDER BY m.day),
               (SELECT presence_last_quarter(e.day, e.quarters)
                FROM user_activity_days AS e
                WHERE e.user_id = m.user_id AND e.day < m.day
                ORDER BY e.day DESC
                LIMIT 1)),
           m.quarters, m.events,
           (SELECT presence_quarter(c.first_seen) FROM presence_current AS c WHERE c.user_id = m.user_id)
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
    SET previous_quarter = excluded.previous_quarter, quarters = excluded.quarters, events = excluded.events,
        first_quarter = excluded.first_quarter;

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

-- As in 0016, with the first quarter of each new row, from presence_current; then the rows
-- of users whose first event the batch holds are corrected.
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

    INSERT INTO user_activity AS a (user_id, quarter, events, previous_quarter, first_quarter)
    SELECT q.user_id, q.quarter, q.events,
           greatest(
               lag(q.quarter) OVER (PARTITION BY q.user_id ORDER BY q.quarter),
               coalesce(
                   (SELECT max(e.quarter) FROM user_activity AS e WHERE e.user_id = q.user_id AND e.quarter < q.quarter),
                   (SELECT presence_last_quarter(d.day, d.quarters)
                    FROM user_activity_days AS d
                    WHERE d.user_id = q.user_id
                    ORDER BY d.day DESC
                    LIMIT 1))),
           (SELECT presence_quarter(c.first_seen) FROM presence_current AS c WHERE c.user_id = q.user_id)
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

    PERFORM presence_correct_first_quarters();
END
$$;

-- As in 0022, each packed row keeping the user's first quarter.
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

    INSERT INTO user_activity_days (user_id, day, previous_quarter, quarters, events, first_quarter)
    SELECT a.user_id, packed_day, (array_agg(a.previous_quarter ORDER BY a.quarter))[1],
           array_agg(presence_quarter_number(a.quarter) ORDER BY a.quarter), array_agg(a.events ORDER BY a.quarter),
           min(a.first_quarter)
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
