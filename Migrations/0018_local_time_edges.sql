-- Local time edges (DESIGN.md, "Local time edges"; issue 12). The activity report stepped
-- its hours in absolute hours from `from`, so after a clock change of 30 minutes (Lord Howe
-- Island) every later hour started at half past the local hour; and it took a local day's
-- start from PostgreSQL's reading of the local midnight, which is the later one where the
-- clocks go back over midnight (Havana): the same event then fell on one day in the activity
-- report and on the next in the active-users report, which takes the first midnight.
--
-- presence_local_edges() gives the edges the definition states. Away from a clock change,
-- PostgreSQL's reading of a local whole hour or midnight is the edge. Near one (the zone's
-- UTC offset differs an hour, for days a day, before and after), the edges come from the zone's
-- clock itself, read at every UTC quarter hour around it (every zone's offset, and every
-- change of it, is whole quarter hours):
-- * an hour starts where the local clock shows a new hour or jumps, so the repeated hour is a
--   bucket of its own and an hour next to a change of 30 minutes lasts 30 minutes;
-- * a day (an ISO week) starts at the first quarter hour whose local date (whose Monday) is
--   that day's or later: the first midnight where the clocks go back over it, the first
--   moment after the skip where they skip it, and a date a zone skips whole is no bucket.

-- A zone's offset from UTC at a moment.
CREATE FUNCTION presence_utc_offset(at timestamptz, zone text) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (at AT TIME ZONE zone) - (at AT TIME ZONE 'UTC');

-- The edges of the local hours, days or ISO weeks of `zone` that cover [range_from,
-- range_to): from the start of the bucket that holds range_from to the end of the bucket
-- that holds the moment before range_to (just range_from when the range is empty and starts
-- on an edge). Consecutive edges are the buckets' starts and ends. Its work is one row per
-- bucket, and a day's quarter hours per clock change.
CREATE FUNCTION presence_local_edges(range_from timestamptz, range_to timestamptz, unit text, zone text)
RETURNS timestamptz[]
LANGUAGE sql STABLE PARALLEL SAFE
-- The planner takes generate_series for 1,000 rows and the lateral ones for more, a cost
-- that would compile the query (JIT, about 14 ms) for a few dozen rows.
SET jit = off
AS $$
WITH candidates AS (
    -- PostgreSQL's reading of each local start, with a margin of two buckets either side, and
    -- whether a clock change lies near it.
    SELECT local_start, c,
           presence_utc_offset(c - reach, zone) <> presence_utc_offset(c + CASE unit WHEN 'hour' THEN reach ELSE interval '0' END, zone)
               AS near_change,
           reach
    FROM (
        SELECT local_start, local_start AT TIME ZONE zone AS c,
               CASE unit WHEN 'hour' THEN interval '1 hour' ELSE interval '1 day' END AS reach
        FROM generate_series(
            date_trunc(unit, range_from AT TIME ZONE zone) - 2 * ('1 ' || unit)::interval,
            (range_to AT TIME ZONE zone) + 2 * ('1 ' || unit)::interval,
            ('1 ' || unit)::interval) AS local_start
    ) AS readings
),
edges AS (
    SELECT c AS q FROM candidates WHERE NOT near_change
    UNION
    -- Near a change, an hour starts at each quarter hour where the local clock shows a new
    -- hour or does not move on by 15 minutes.
    SELECT q
    FROM candidates, generate_series(c - reach, c + reach, interval '15 minutes') AS q
    WHERE unit = 'hour' AND near_change
      AND (date_trunc('hour', q AT TIME ZONE zone) <> date_trunc('hour', (q - interval '15 minutes') AT TIME ZONE zone)
           OR (q AT TIME ZONE zone) - ((q - interval '15 minutes') AT TIME ZONE zone) <> interval '15 minutes')
    UNION
    -- Near a change, a day or week starts at its first quarter hour whose local day or week is
    -- it or later.
    SELECT (SELECT min(q)
            FROM generate_series(c - reach, c + reach, interval '15 minutes') AS q
            WHERE CASE unit WHEN 'day' THEN (q AT TIME ZONE zone)::date ELSE date_trunc('week', q AT TIME ZONE zone)::date END
                  >= local_start::date)
    FROM candidates
    WHERE unit <> 'hour' AND near_change
)
SELECT array_agg(q ORDER BY q)
FROM edges
WHERE q >= (SELECT max(q) FROM edges WHERE q <= range_from)
  AND q <= (SELECT min(q) FROM edges WHERE q >= range_to)
$$;

COMMENT ON FUNCTION presence_local_edges(timestamptz, timestamptz, text, text) IS
    'The edges of the local hours, days or ISO weeks of a zone that cover a range, as DESIGN.md''s "Local time edges" defines them.';
