-- Active users (DESIGN.md): for each local day in [from, to) in a time zone, DAU = distinct
-- users that day, WAU and MAU = distinct users in the 7 and 30 local days ending with it
-- (looking back before `from` where needed), stickiness = DAU / MAU (null when MAU is 0).
-- Answered from user_activity: a local day is a union of whole UTC quarter hours.
--
-- $1  from  timestamptz
-- $2  to    timestamptz
-- $3  tz    text: an IANA time zone name
WITH days AS (
    SELECT local_day::date AS day
    FROM generate_series(
        date_trunc('day', $1::timestamptz AT TIME ZONE $3),
        $2::timestamptz AT TIME ZONE $3,
        interval '1 day') AS local_day
    WHERE local_day AT TIME ZONE $3 < $2::timestamptz
),
user_days AS MATERIALIZED (
    SELECT DISTINCT user_id, (quarter AT TIME ZONE $3)::date AS day
    FROM user_activity
    WHERE quarter >= ((SELECT min(day) FROM days) - 29)::timestamp AT TIME ZONE $3
      AND quarter < ((SELECT max(day) FROM days) + 1)::timestamp AT TIME ZONE $3
),
counts AS (
    SELECT d.day,
           (SELECT count(DISTINCT u.user_id) FROM user_days AS u WHERE u.day = d.day) AS dau,
           (SELECT count(DISTINCT u.user_id) FROM user_days AS u WHERE u.day BETWEEN d.day - 6 AND d.day) AS wau,
           (SELECT count(DISTINCT u.user_id) FROM user_days AS u WHERE u.day BETWEEN d.day - 29 AND d.day) AS mau
    FROM days AS d
)
SELECT to_char(day, 'YYYY-MM-DD') AS day, dau, wau, mau, dau::float8 / nullif(mau, 0) AS stickiness
FROM counts
ORDER BY day;
