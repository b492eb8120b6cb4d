-- Session durations (DESIGN.md): the sessions that start in [from, to), their count, mean,
-- 50th/90th/99th percentiles (percentile_cont) and the duration histogram. With the
-- projector's gap (presence_settings.session_gap) the sessions come from user_sessions; with
-- another gap they are cut from the log here (from one gap before `from` on).
--
-- $1  from  timestamptz
-- $2  to    timestamptz
-- $3  gap   interval
WITH settings AS (
    SELECT session_gap FROM presence_settings
),
projected AS (
    SELECT s.session_start, s.session_end
    FROM user_sessions AS s, settings
    WHERE settings.session_gap = $3::interval
      AND s.session_start >= $1::timestamptz AND s.session_start < $2::timestamptz
),
computed AS (
    SELECT min(at) AS session_start, max(at) AS session_end
    FROM (
        SELECT user_id, at,
               count(*) FILTER (WHERE starts) OVER (PARTITION BY user_id ORDER BY at ROWS UNBOUNDED PRECEDING) AS session
        FROM (
            SELECT e.user_id, e.at,
                   coalesce(e.at - lag(e.at) OVER (PARTITION BY e.user_id ORDER BY e.at) > $3::interval, true) AS starts
            FROM seen_events AS e, settings
            WHERE settings.session_gap <> $3::interval AND e.at >= $1::timestamptz - $3::interval
        ) AS marked
    ) AS numbered
    GROUP BY user_id, session
    HAVING min(at) >= $1::timestamptz AND min(at) < $2::timestamptz
),
durations AS (
    SELECT extract(epoch FROM session_end - session_start)::float8 AS seconds
    FROM (SELECT * FROM projected UNION ALL SELECT * FROM computed) AS sessions
)
SELECT count(*) AS sessions,
       avg(seconds) AS mean_seconds,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS p50_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90_seconds,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY seconds) AS p99_seconds,
       count(*) FILTER (WHERE seconds < 60) AS under_1m,
       count(*) FILTER (WHERE seconds >= 60 AND seconds < 300) AS from_1m_to_5m,
       count(*) FILTER (WHERE seconds >= 300 AND seconds < 900) AS from_5m_to_15m,
       count(*) FILTER (WHERE seconds >= 900 AND seconds < 1800) AS from_15m_to_30m,
       count(*) FILTER (WHERE seconds >= 1800 AND seconds < 3600) AS from_30m_to_1h,
       count(*) FILTER (WHERE seconds >= 3600 AND seconds < 7200) AS from_1h_to_2h,
       count(*) FILTER (WHERE seconds >= 7200) AS over_2h
FROM durations;
