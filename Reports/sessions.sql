-- Session durations (DESIGN.md): the sessions that start in [from, to), their count, mean,
-- 50th/90th/99th percentiles (percentile_cont) and the duration histogram. With the
-- projector's gap (presence_settings.session_gap) the sessions come from user_sessions; with
-- another gap they are cut from the log by presence_log_sessions() (Migrations/0004), which is
-- planned only when it runs. The gap is compared in a one-time filter, so that the branch not
-- taken reads nothing.
--
-- $1  from  timestamptz
-- $2  to    timestamptz
-- $3  gap   interval
WITH durations AS (
    -- A duration once per session (the aggregates below read it many times).
    SELECT s.duration_seconds AS seconds
    FROM user_sessions AS s
    WHERE $3::interval = (SELECT session_gap FROM presence_settings)
      AND s.session_start >= $1::timestamptz AND s.session_start < $2::timestamptz
    UNION ALL
    SELECT extract(epoch FROM s.session_end - s.session_start)::float8
    FROM presence_log_sessions($1::timestamptz, $2::timestamptz, $3::interval) AS s
    WHERE $3::interval <> (SELECT session_gap FROM presence_settings)
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
