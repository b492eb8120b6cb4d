-- Concurrent users (DESIGN.md, "Concurrent users at t"): per bucket [start, end) of a local
-- hour, day or ISO week, `peak` = the most users online at any moment of it, `peak_at` = the
-- first moment it is reached (null when no one is online), `average` = online user-seconds in
-- the bucket divided by its seconds. `from` is rounded down to the start of its bucket, and
-- every bucket that starts in the widened [from, to) is listed, with the local time edges of
-- the activity report.
--
-- A user is online over [at, at + threshold] after each event, so their online time is a set
-- of spans that never touch: with the projector's threshold they come from
-- user_online_spans (Migration 0020), read through its GiST index by the range alone, which
-- keeps the answer after retention drops the log's days; with another threshold they are
-- cut from the log's events of the range by presence_log_online_spans(). The threshold is
-- compared in a one-time filter, so the branch not taken reads nothing.
--
-- Each span is cut at the edges of the buckets it crosses; a bucket's peak comes from a sweep
-- over its pieces' starts (+1) and ends (-1), a start counted before an end at the same
-- moment: a span is online at its last moment too, so two spans that meet count both there.
--
-- $1  from       timestamptz
-- $2  to         timestamptz
-- $3  bucket     text: 'hour', 'day' or 'week'
-- $4  threshold  interval
-- $5  tz         text: an IANA time zone name, e.g. 'Europe/Berlin'
WITH edges AS (
    SELECT presence_local_edges($1::timestamptz, $2::timestamptz, $3, $5) AS edges
),
spans AS (
    SELECT s.first_at AS online_from, s.last_at + $4::interval AS online_to
    FROM edges AS e, user_online_spans AS s
    WHERE $4::interval = (SELECT online_threshold FROM presence_settings)
      AND tstzrange(s.first_at, s.last_at, '[]')
          && tstzrange(e.edges[1] - $4::interval, e.edges[cardinality(e.edges)], '[)')
    UNION ALL
    SELECT s.first_at, s.last_at + $4::interval
    FROM edges AS e, presence_log_online_spans(e.edges[1], e.edges[cardinality(e.edges)], $4::interval) AS s
    WHERE $4::interval <> (SELECT online_threshold FROM presence_settings)
),
pieces AS (
    -- A span's part in each bucket it reaches, [piece_from, piece_to], and whether the span
    -- ends in that bucket (else it is online to the bucket's end). width_bucket finds the
    -- buckets holding the span's first and last moments in the edges.
    SELECT i AS bucket,
           greatest(s.online_from, e.edges[i]) AS piece_from,
           least(s.online_to, e.edges[i + 1]) AS piece_to,
           s.online_to < e.edges[i + 1] AS ends
    FROM edges AS e, spans AS s,
         generate_series(
             greatest(width_bucket(s.online_from, e.edges), 1),
             least(width_bucket(s.online_to, e.edges), cardinality(e.edges) - 1)) AS i
),
running AS (
    SELECT bucket, at,
           sum(change) OVER (PARTITION BY bucket ORDER BY at, change DESC ROWS UNBOUNDED PRECEDING) AS online
    FROM (
        SELECT bucket, piece_from AS at, 1 AS change FROM pieces
        UNION ALL
        SELECT bucket, piece_to, -1 FROM pieces WHERE ends
    ) AS changes
),
peaks AS (
    SELECT DISTINCT ON (bucket) bucket, online AS peak, at AS peak_at
    FROM running
    ORDER BY bucket, online DESC, at
),
online_seconds AS (
    SELECT bucket, sum(extract(epoch FROM piece_to - piece_from)) AS seconds
    FROM pieces
    GROUP BY bucket
)
SELECT e.edges[i] AS start, e.edges[i + 1] AS "end",
       coalesce(p.peak, 0)::int8 AS peak, p.peak_at,
       (coalesce(o.seconds, 0) / extract(epoch FROM e.edges[i + 1] - e.edges[i]))::float8 AS average
FROM edges AS e
CROSS JOIN generate_subscripts(e.edges, 1) AS i
LEFT JOIN peaks AS p ON p.bucket = i
LEFT JOIN online_seconds AS o ON o.bucket = i
WHERE i < cardinality(e.edges)
ORDER BY i;
