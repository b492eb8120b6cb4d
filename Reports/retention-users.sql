-- The users of one cell of the retention report (Reports/retention.sql, same first four
-- parameters): the cohort whose period holds `cohort` and its users with an event in the
-- period `n` after it, by user id. The cell's cohort start, period start and end come with
-- every row; a cell with no users gives one row with a NULL user, and a cell that is not in
-- the report's triangle (a cohort outside [from, to) or not begun by as_of, a period after
-- the one holding as_of) gives no row.
--
-- Answered from user_activity (through presence_activity, Migrations 0016 and 0024): the
-- rows of that one period, each user's first row in it, those whose first quarter lies in
-- the cohort's period.
--
-- $1  from    timestamptz
-- $2  to      timestamptz
-- $3  period  text: 'day', 'week' or 'month'
-- $4  as_of   timestamptz
-- $5  cohort  timestamptz: a moment in the cohort's period, usually its start
-- $6  n       integer: 0 for the cohort's own period, 1 for the next, …
-- $7  tz      text: an IANA time zone name, e.g. 'Europe/Berlin'
WITH cohorts AS (
    SELECT presence_local_edges($1::timestamptz, $2::timestamptz, $3, $7) AS edges
),
calendar AS (
    SELECT starts, width_bucket($4::timestamptz, starts) AS last, cardinality(edges) - 1 AS cohorts,
           width_bucket($5::timestamptz, starts) AS cohort
    FROM (SELECT c.edges,
                 presence_local_edges(c.edges[1],
                                      greatest(c.edges[cardinality(c.edges)], $4::timestamptz + interval '1 microsecond'), $3, $7)
                     AS starts
          FROM cohorts AS c) AS c
),
cell AS MATERIALIZED (
    -- Materialized, so that the calendar is computed once, not for every row read.
    SELECT starts[cohort] AS cohort_start, starts[cohort + 1] AS cohort_end,
           starts[cohort + $6::integer] AS start, starts[cohort + $6::integer + 1] AS "end"
    FROM calendar
    WHERE cohort BETWEEN 1 AND least(cohorts, last)
      AND $6::integer BETWEEN 0 AND last - cohort
)
SELECT c.cohort_start, c.start, c."end", u.user_id
FROM cell AS c
LEFT JOIN LATERAL (
    -- A range the planner can see, around the cell's period: it lies between `n` periods
    -- after the one before `cohort` and `n` + 1 after `cohort`, give or take a clock change.
    SELECT a.user_id
    FROM presence_activity($5::timestamptz + ($6::integer - 1) * ('1 ' || $3)::interval - interval '2 days',
                           $5::timestamptz + ($6::integer + 1) * ('1 ' || $3)::interval + interval '2 days') AS a
    WHERE a.quarter >= c.start AND a.quarter < c."end"
      AND a.first_quarter >= c.cohort_start AND a.first_quarter < c.cohort_end
      AND (a.previous_quarter IS NULL OR a.previous_quarter < c.start)
) AS u ON true
ORDER BY u.user_id;
