-- Concurrent users (DESIGN.md, "Concurrent users at t"): per bucket [start, end) of a local
-- hour, day or ISO week, `peak` = the most users online at any moment of it, `peak_at` = the
-- first moment it is reached (null when no one is online), `average` = online user-seconds in
-- the bucket divided by its seconds. `from` is rounded down to the start of its bucket, and
-- every bucket that starts in the widened [from, to) is listed, with the local time edges of
-- the activity report.
--
-- A user is online over [at, at + threshold] after each event, so their online time is a set
-- of spans that never touch: with the projector's threshold they come from
-- the online spans (Migrations 0020 and 0022), read by the range alone through
-- presence_online_spans(), which keeps the answer after retention drops the log's days; with another threshold they are
-- cut from the log's events of the range by presence_log_online_spans(). The threshold is
-- compared in a one-time filter, so the branch not taken reads nothing.
--
-- Each span is cut at the edges of the buckets it crosses (most lie in one: only those that
-- cross go through generate_series); a bucket's peak comes from a sweep over its pieces'
-- starts (+1) and ends (-1), a start counted before an end at the same moment: a span is
-- online at its last moment too, so two spans that meet count both there. The edges are read
-- as one value (an InitPlan), never carried along with the rows.
--
-- $1  from       timestamptz
-- $2  to         timestamptz
-- $3  bucket     text: 'hour', 'day' or 'week'
-- $4  threshold  interval
-- $5  tz         text: an IANA time zone name, e.g. 'Europe/Berlin'
WITH edges AS (
    SELECT presence_local_edges($1::timestamptz, $2::timestamptz, $3, $5) AS edges
),
buckets AS MATERIALIZED (
    SELECT i AS bucket, e.edges[i] AS start, e.edges[i + 1] AS finish
    FROM edges AS e, generate_subscripts(e.edges, 1) AS i
    WHERE i < cardinality(e.edges)
),
spans AS (
    SELECT s.first_at AS online_from, s.last_at + $4::interval AS online_to
    FROM edges AS e,
         presence_online_spans(tstzrange(e.edges[1] - $4::interval, e.edges[cardinality(e.edges)], '[)')) AS s
    WHERE $4::interval = (SELECT online_threshold FROM presence_settings)
    UNION ALL
    SELECT s.first_at, s.last_at + $4::interval
    FROM edges AS e, presence_log_online_spans(e.edges[1], e.edges[cardinality(e.edges)], $4::interval) AS s
    WHERE $4::interval <> (SELECT online_threshold FROM presence_settings)
),
located AS (
    -- The buckets holding each span's first and last moments: binary searches in the edges.
    SELECT online_from, online_to,
           greatest(width_bucket(online_from, (SELECT edges FROM edges)), 1) AS first_bucket,
           least(width_bucket(online_to, (SELECT edges FROM edges)), (SELECT cardinality(edges) - 1 FROM edges)) AS last_bucket
    FROM spans
),
pieces AS (
    -- A span within one bucket can still begin before the range's first edge or end after
    -- its last: it is cut at both edges of its bucket too.
    SELECT l.first_bucket AS bucket,
           greatest(l.online_from, (SELECT edges FROM edges)[l.first_bucket]) AS piece_from,
           least(l.online_to, (SELECT edges FROM edges)[l.first_bucket + 1]) AS piece_to,
           l.online_to < (SELECT edges FROM edges)[l.first_bucket + 1] AS ends
    FROM located AS l
    WHERE l.first_bucket = l.last_bucket
    UNION ALL
    SELECT i, greatest(l.online_from, (SELECT edges FROM edges)[i]),
           least(l.online_to, (SELECT edges FROM edges)[i + 1]),
           l.online_to < (SELECT edges FROM edges)[i + 1]
    FROM located AS l, generate_series(l.first_bucket, l.last_bucket) AS i
    WHERE l.first_bucket < l.last_bucket
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
    SELECT bucket, max(online) AS peak FROM running GROUP BY bucket
),
peak_moments AS (
    -- The first moment of each bucket's peak (no sort: the peaks are hashed).
    SELECT r.bucket, min(r.at) AS peak_at
    FROM running AS r JOIN peaks AS p ON p.bucket = r.bucket AND r.online = p.peak
    GROUP BY r.bucket
),
online_seconds AS (
    SELECT bucket, sum(extract(epoch FROM piece_to - piece_from)) AS seconds FROM pieces GROUP BY bucket
)
SELECT b.start, b.finish AS "end", coalesce(p.peak, 0)::int8 AS peak, m.peak_at,
       (coalesce(o.seconds, 0) / extract(epoch FROM b.finish - b.start))::float8 AS average
FROM buckets AS b
LEFT JOIN peaks AS p ON p.bucket = b.bucket
LEFT JOIN peak_moments AS m ON m.bucket = b.bucket
LEFT JOIN online_seconds AS o ON o.bucket = b.bucket
ORDER BY b.bucket;
