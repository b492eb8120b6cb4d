-- Local months (issue 16): the retention and lifecycle reports speak of local days, ISO weeks
-- and months. A month starts, as a day does (DESIGN.md, "Local time edges"), at the first
-- moment the local clock shows its first date: presence_local_edges() as in 0019, with
-- 'month' beside 'hour', 'day' and 'week'. PostgreSQL's readings step a month at a time,
-- and near a clock change the first quarter hour whose month is later than every one shown
-- before starts it.

CREATE OR REPLACE FUNCTION presence_local_edges(range_from timestamptz, range_to timestamptz, unit text, zone text)
RETURNS timestamptz[]
LANGUAGE sql STABLE PARALLEL SAFE
-- The planner takes generate_series for 1,000 rows and the lateral ones for more, a cost
-- that would compile the query (JIT, about 14 ms) for a few dozen rows.
SET jit = off
AS $$
WITH settings AS (
    SELECT ('1 ' || unit)::interval AS step,
           CASE unit WHEN 'hour' THEN 'hour' ELSE 'day' END AS grid_unit,
           CASE unit WHEN 'hour' THEN interval '1 hour' ELSE interval '1 day' END AS grid
),
grid AS (
    -- The local clock at every UTC hour (midnight) from two buckets and two days before the
    -- range to as far after it.
    SELECT g, grid, local - lag(local) OVER (ORDER BY g) AS local_step
    FROM (SELECT g, s.grid, g AT TIME ZONE zone AS local
          FROM settings AS s,
               generate_series(date_trunc(s.grid_unit, range_from - 2 * s.step - interval '2 days', 'UTC'),
                               range_to + 2 * s.step + interval '2 days', s.grid) AS g) AS clock
),
changes AS (
    -- Each step of the grid over which the clock did not move on by the step: the offset
    -- changes in (before, after], by `size`.
    SELECT g - grid AS before, g AS after, greatest(local_step - grid, grid - local_step) AS size
    FROM grid
    WHERE local_step <> grid
),
near AS (
    -- The changes in order, and how near one a reading may be wrong: PostgreSQL's reading of
    -- a local time lies within a change's size of it when it is not the edge, so an hour more
    -- than the largest change is enough.
    SELECT coalesce(array_agg(after ORDER BY after), '{}') AS afters,
           coalesce(max(size), interval '0') + interval '1 hour' AS reach
    FROM changes
),
readings AS (
    -- PostgreSQL's reading of each local start, two buckets either side of the range, where
    -- no change is near: the changes just before and just after it (a binary search) are
    -- farther than the reach.
    SELECT r.q
    FROM settings AS s, near AS n,
         LATERAL (SELECT local_start AT TIME ZONE zone AS q
                  FROM generate_series(date_trunc(unit, range_from AT TIME ZONE zone) - 2 * s.step,
                                       (range_to AT TIME ZONE zone) + 2 * s.step, s.step) AS local_start) AS r
    WHERE NOT coalesce(
        n.afters[width_bucket(r.q, n.afters)] + n.reach >= r.q
        OR n.afters[width_bucket(r.q, n.afters) + 1] - s.grid - n.reach <= r.q,
        false)
),
clock AS (
    -- Within the reach of each change, the local clock at every quarter hour. It starts
    -- another reach earlier: the dates shown before the first quarter hour that counts are
    -- then all that can matter (a date shown earlier has passed by the time a change of at
    -- most the reach is).
    SELECT c.before, c.after, n.reach, q, q AT TIME ZONE zone AS local, presence_utc_offset(q, zone) AS utc_offset
    FROM near AS n, changes AS c,
         generate_series(c.before - 2 * n.reach, c.after + n.reach, interval '15 minutes') AS q
),
scanned AS (
    SELECT before, after, reach, q, local,
           utc_offset <> lag(utc_offset) OVER near_change AS offset_changes,
           CASE unit WHEN 'day' THEN local::date WHEN 'week' THEN date_trunc('week', local)::date
                         ELSE date_trunc('month', local)::date END AS shown,
           max(CASE unit WHEN 'day' THEN local::date WHEN 'week' THEN date_trunc('week', local)::date
                         ELSE date_trunc('month', local)::date END)
               OVER (near_change ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS shown_before
    FROM clock
    WINDOW near_change AS (PARTITION BY before ORDER BY q)
),
edges AS (
    SELECT q FROM readings
    UNION
    SELECT q
    FROM scanned
    WHERE q BETWEEN before - reach AND after + reach
      AND CASE unit
              WHEN 'hour' THEN date_trunc('hour', local) = local OR offset_changes
              ELSE shown > shown_before
          END
)
SELECT array_agg(q ORDER BY q)
FROM edges
WHERE q >= (SELECT max(q) FROM edges WHERE q <= range_from)
  AND q <= (SELECT min(q) FROM edges WHERE q >= range_to)
$$;
