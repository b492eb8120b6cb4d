-- Lifecycle (DESIGN.md, "Cohorts and lifecycle"): per local day, ISO week or month P that
-- starts in [from rounded down to its period, to), with the local time edges of the activity
-- report: `new` = users whose first event ever lies in P; `returning` = active in P and in
-- P - 1, not new; `resurrecting` = active in P, not in P - 1, active before; `dormant` =
-- active in P - 1 and not in P, as a negative number.
--
-- Answered from user_activity (through presence_activity, Migration 0016) in one pass over
-- the rows of the periods and the one before them: a local period is a union of whole UTC
-- quarter hours, and a user's first row in a period is the one whose previous quarter with
-- events (user_activity.previous_quarter, the user's whole history before it) lies before the
-- period's start. That previous quarter says which they are: none, new; in P - 1, returning;
-- earlier, resurrecting. Those three add up to the users active in P, so dormant(P) =
-- returning(P) - active(P - 1). The rows read are those of the range, however long the
-- history before it.
--
-- $1  from    timestamptz
-- $2  to      timestamptz
-- $3  period  text: 'day', 'week' or 'month'
-- $4  tz      text: an IANA time zone name, e.g. 'Europe/Berlin'
WITH edges AS (
    SELECT presence_local_edges($1::timestamptz, $2::timestamptz, $3, $4) AS edges
),
calendar AS (
    -- The periods' starts, from the one before the first (the one holding the moment
    -- before it) to the end of the last.
    SELECT presence_local_edges(e.edges[1] - interval '1 microsecond', e.edges[cardinality(e.edges)], $3, $4) AS starts
    FROM edges AS e
),
firsts AS (
    -- Each user's first row of each period, counted by what came before it; period 1 is the
    -- one before the first reported.
    SELECT width_bucket(a.quarter, (SELECT starts FROM calendar)) AS period,
           count(*) AS active,
           count(*) FILTER (WHERE a.previous_quarter IS NULL) AS new,
           count(*) FILTER (
               WHERE a.previous_quarter >= (SELECT starts FROM calendar)[width_bucket(a.quarter, (SELECT starts FROM calendar)) - 1]
           ) AS returning
    -- A range the planner can see, around the calendar's: it starts at most two periods
    -- (the one holding `from` and the one before) and two days (a clock change) before
    -- `from`, and ends at most a period and two days after `to`.
    FROM presence_activity($1::timestamptz - 2 * ('1 ' || $3)::interval - interval '2 days',
                           $2::timestamptz + ('1 ' || $3)::interval + interval '2 days') AS a
    WHERE a.quarter >= (SELECT starts[1] FROM calendar)
      AND a.quarter < (SELECT starts[cardinality(starts)] FROM calendar)
      AND (a.previous_quarter IS NULL
           OR a.previous_quarter < (SELECT starts FROM calendar)[width_bucket(a.quarter, (SELECT starts FROM calendar))])
    GROUP BY 1
)
SELECT c.starts[p] AS start, c.starts[p + 1] AS "end",
       coalesce(f.new, 0)::int8 AS new,
       coalesce(f.returning, 0)::int8 AS returning,
       coalesce(f.active - f.new - f.returning, 0)::int8 AS resurrecting,
       (coalesce(f.returning, 0) - coalesce(before.active, 0))::int8 AS dormant
FROM calendar AS c
CROSS JOIN generate_series(2, cardinality(c.starts) - 1) AS p
LEFT JOIN firsts AS f ON f.period = p
LEFT JOIN firsts AS before ON before.period = p - 1
ORDER BY p;
