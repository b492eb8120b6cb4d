-- Retention (DESIGN.md, "Cohorts and lifecycle"): for each local day, ISO week or month P0
-- that starts in [from rounded down to its period, to) and has begun by `as_of`, the users
-- whose first event ever lies in P0 (the cohort), and for N = 0, 1, … up to the period
-- holding `as_of`, how many of them have an event in P0 + N. One row per cell, zeros
-- included, cohort by cohort; the period holding `as_of` counts whole, and has not ended.
--
-- Answered from user_activity (through presence_activity, Migrations 0016 and 0024) in one
-- pass over the rows from the first cohort's start to the end of the period holding `as_of`:
-- a local period is a union of whole UTC quarter hours; a user's first row in a period is
-- the one whose previous quarter with events lies before the period's start, and every row
-- carries the quarter of the user's first event ever, which names the cohort. The rows read
-- are those of the range, however long the history before it.
--
-- $1  from    timestamptz
-- $2  to      timestamptz
-- $3  period  text: 'day', 'week' or 'month'
-- $4  as_of   timestamptz: the moment the triangle runs to, usually now
-- $5  tz      text: an IANA time zone name, e.g. 'Europe/Berlin'
WITH cohorts AS (
    -- The cohorts' periods, each from its start to the next one's.
    SELECT presence_local_edges($1::timestamptz, $2::timestamptz, $3, $5) AS edges
),
calendar AS (
    -- Every period from the first cohort's to the one holding as_of, or to the last
    -- cohort's end when that lies later; `last` is the one holding as_of (0 when as_of lies
    -- before them all).
    SELECT starts, width_bucket($4::timestamptz, starts) AS last, cohorts
    FROM (SELECT presence_local_edges(c.edges[1],
                                      greatest(c.edges[cardinality(c.edges)], $4::timestamptz + interval '1 microsecond'),
                                      $3, $5) AS starts,
                 cardinality(c.edges) - 1 AS cohorts
          FROM cohorts AS c) AS c
),
cells AS MATERIALIZED (
    -- Each user's first row of each period, counted by the period of their first event (0
    -- for users older than the cohorts; the cells of cohorts not reported are left out
    -- below). Filtered on the quarter alone, the planner expects enough rows to count them
    -- in a hash table rather than sort them.
    SELECT width_bucket(a.first_quarter, (SELECT starts FROM calendar)) AS cohort,
           width_bucket(a.quarter, (SELECT starts FROM calendar)) AS period,
           count(*) AS users
    -- A range the planner can see, around the calendar's: it starts at most two periods and
    -- two days (a clock change) before `from`, and ends at most a period and two days after
    -- as_of.
    FROM presence_activity($1::timestamptz - 2 * ('1 ' || $3)::interval - interval '2 days',
                           $4::timestamptz + ('1 ' || $3)::interval + interval '2 days') AS a
    WHERE a.quarter >= (SELECT starts[1] FROM calendar)
      AND a.quarter < (SELECT starts[last + 1] FROM calendar)
      AND (a.previous_quarter IS NULL
           OR a.previous_quarter < (SELECT starts FROM calendar)[width_bucket(a.quarter, (SELECT starts FROM calendar))])
    GROUP BY 1, 2
)
SELECT k.cohort_start, p.n - 1 AS n, p.start, c.starts[k.cohort + p.n] AS "end", coalesce(cells.users, 0)::int8 AS users
FROM calendar AS c
CROSS JOIN LATERAL unnest(c.starts[1:least(c.cohorts, c.last)]) WITH ORDINALITY AS k (cohort_start, cohort)
CROSS JOIN LATERAL unnest(c.starts[k.cohort:c.last]) WITH ORDINALITY AS p (start, n)
LEFT JOIN cells ON cells.cohort = k.cohort AND cells.period = k.cohort + p.n - 1
ORDER BY k.cohort, p.n;
