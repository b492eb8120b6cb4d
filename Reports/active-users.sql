-- Active users (DESIGN.md): for each local day in [from, to) in a time zone, DAU = distinct
-- users that day, WAU and MAU = distinct users in the 7 and 30 local days ending with it
-- (looking back before `from` where needed), stickiness = DAU / MAU (null when MAU is 0).
-- Answered from user_activity (through presence_activity, Migration 0016): a local day is a
-- union of whole UTC quarter hours.
--
-- A user counts in a window of days once: on the first of their rows in it, the one whose
-- previous quarter (user_activity.previous_quarter) lies before the window. So a row on day i
-- whose previous quarter lies on day j < i counts in the window of k days ending on each day
-- from max(i, j + k) to i + k - 1, and DAU, WAU and MAU are running sums of +1 and -1 at the
-- ends of those spans: one pass over the rows, however many users there are.
--
-- $1  from  timestamptz
-- $2  to    timestamptz
-- $3  tz    text: an IANA time zone name
WITH edges AS (
    -- The local days that start in [from rounded down to its day, to), as DESIGN.md's "Local
    -- time edges" define them (presence_local_edges, Migration 0018).
    SELECT presence_local_edges($1::timestamptz, $2::timestamptz, 'day', $3) AS edges
),
days AS (
    -- Each day's date, which the local clock shows at its start. A date the zone skips
    -- whole (Samoa's 2011-12-30) starts no day and has no row; WAU and MAU still span 7 and
    -- 30 calendar dates.
    SELECT (e.edges[i] AT TIME ZONE $3)::date AS day
    FROM edges AS e, generate_subscripts(e.edges, 1) AS i
    WHERE i < cardinality(e.edges)
),
calendar AS (
    -- The local days from 29 days before the first to the one after the last, each with its
    -- start, by the same edges: a quarter's local day is where it falls among those starts.
    SELECT array_agg((e AT TIME ZONE $3)::date ORDER BY e) AS days, array_agg(e ORDER BY e) AS starts
    FROM unnest(presence_local_edges(
        ((SELECT min(day) FROM days) - 29)::timestamp AT TIME ZONE $3,
        (SELECT edges[cardinality(edges)] FROM edges),
        'day', $3)) AS e
),
firsts AS (
    -- Each user's first row of a local day: its previous quarter lies before the day's start.
    -- Counted per (day, day of the previous quarter), as positions in the calendar (0 before
    -- it, or for a user's very first row).
    SELECT width_bucket(a.quarter, (SELECT starts FROM calendar)) AS day,
           coalesce(width_bucket(a.previous_quarter, (SELECT starts FROM calendar)), 0) AS previous_day,
           count(*) AS users
    -- A range the planner can see, around the calendar's: its first day starts at most 31
    -- days before `from`, its last ends at most two days after `to` (in local time, so that
    -- the bounds are constants).
    FROM presence_activity((($1::timestamptz AT TIME ZONE $3) - interval '31 days') AT TIME ZONE $3,
                           (($2::timestamptz AT TIME ZONE $3) + interval '2 days') AT TIME ZONE $3) AS a
    WHERE (a.previous_quarter IS NULL
           OR a.previous_quarter < (SELECT starts FROM calendar)[width_bucket(a.quarter, (SELECT starts FROM calendar))])
    GROUP BY 1, 2
),
changes AS (
    SELECT change.day, change.dau, change.wau, change.mau
    FROM (SELECT c.days[f.day] AS day, coalesce(c.days[f.previous_day], '-infinity') AS previous_day, f.users
          FROM firsts AS f, calendar AS c) AS f,
         LATERAL (VALUES
             (f.day, f.users, 0, 0),
             (f.day + 1, -f.users, 0, 0),
             (greatest(f.day, f.previous_day + 7), 0, f.users, 0),
             (f.day + 7, 0, -f.users, 0),
             (greatest(f.day, f.previous_day + 30), 0, 0, f.users),
             (f.day + 30, 0, 0, -f.users)) AS change (day, dau, wau, mau)
    WHERE f.day IS NOT NULL
    UNION ALL
    SELECT day, 0, 0, 0 FROM days
),
totals AS (
    SELECT day,
           (sum(sum(dau)) OVER running)::int8 AS dau,
           (sum(sum(wau)) OVER running)::int8 AS wau,
           (sum(sum(mau)) OVER running)::int8 AS mau
    FROM changes
    GROUP BY day
    WINDOW running AS (ORDER BY day)
)
SELECT to_char(t.day, 'YYYY-MM-DD') AS day, t.dau, t.wau, t.mau, t.dau::float8 / nullif(t.mau, 0) AS stickiness
FROM totals AS t
JOIN days AS d ON d.day = t.day
ORDER BY t.day;
