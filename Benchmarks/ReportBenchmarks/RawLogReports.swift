import Foundation
import Logging
import PostgresNIO
import PresenceModel

/// The baselines: the reports computed straight from `seen_events`, as one would without
/// the projections, each the plain SQL of its definition in DESIGN.md. Their answers come out in
/// the same shape as the library's reports, so that the two can be compared.
enum RawLogReports {
    /// The buckets of the activity and concurrency baselines, as Reports/activity.sql lists them
    /// (from rounded down to its bucket, empty ones too): absolute hours (the offsets of the
    /// benchmarks' zone are whole hours), local days and weeks. Needs $1 from, $2 to, $3 bucket
    /// ('hour', 'day' or 'week') and $4 time zone.
    private static let buckets = """
        buckets AS (
            SELECT start, start + interval '1 hour' AS finish
            FROM generate_series(
                date_trunc('hour', $1::timestamptz AT TIME ZONE $4) AT TIME ZONE $4,
                $2::timestamptz - interval '1 microsecond',
                interval '1 hour') AS start
            WHERE $3 = 'hour'
            UNION ALL
            SELECT local_start AT TIME ZONE $4, (local_start + ('1 ' || $3)::interval) AT TIME ZONE $4
            FROM generate_series(
                date_trunc($3, $1::timestamptz AT TIME ZONE $4),
                $2::timestamptz AT TIME ZONE $4,
                ('1 ' || $3)::interval) AS local_start
            WHERE $3 IN ('day', 'week') AND local_start AT TIME ZONE $4 < $2::timestamptz
        )
        """

    /// Activity: every event's bucket computed from its time, then events and distinct users per
    /// bucket. The buckets are listed as in Reports/activity.sql (from rounded down to its
    /// bucket, empty ones too).
    ///
    /// $1 from, $2 to, $3 bucket ('hour', 'day' or 'week'), $4 time zone.
    static let activity = """
        WITH \(buckets),
        counted AS (
            SELECT CASE WHEN $3 = 'hour' THEN date_bin('1 hour', e.at, (SELECT min(start) FROM buckets))
                        ELSE date_trunc($3, e.at AT TIME ZONE $4) AT TIME ZONE $4 END AS start,
                   count(*) AS events,
                   count(DISTINCT e.user_id) AS users
            FROM seen_events AS e
            WHERE e.at >= (SELECT min(start) FROM buckets) AND e.at < (SELECT max(finish) FROM buckets)
            GROUP BY 1
        )
        SELECT b.start, b.finish, coalesce(c.events, 0), coalesce(c.users, 0)
        FROM buckets AS b
        LEFT JOIN counted AS c ON c.start = b.start
        ORDER BY b.start
        """

    /// Sessions: the window form of Reports/sessions.sql over the log. A gap longer than $3
    /// starts a session; the running count of starts numbers them; sessions that start in
    /// [from, to) are kept (events from one gap before `from` on tell whether they start there).
    ///
    /// $1 from, $2 to, $3 gap.
    static let sessions = """
        WITH sessions AS (
            SELECT min(at) AS session_start, max(at) AS session_end
            FROM (
                SELECT user_id, at,
                       count(*) FILTER (WHERE starts) OVER (PARTITION BY user_id ORDER BY at ROWS UNBOUNDED PRECEDING) AS session
                FROM (
                    SELECT user_id, at,
                           coalesce(at - lag(at) OVER (PARTITION BY user_id ORDER BY at) > $3::interval, true) AS starts
                    FROM seen_events
                    WHERE at >= $1::timestamptz - $3::interval
                ) AS marked
            ) AS numbered
            GROUP BY user_id, session
            HAVING min(at) >= $1::timestamptz AND min(at) < $2::timestamptz
        ),
        durations AS (
            SELECT extract(epoch FROM session_end - session_start)::float8 AS seconds FROM sessions
        )
        SELECT count(*),
               avg(seconds),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds),
               percentile_cont(0.99) WITHIN GROUP (ORDER BY seconds),
               count(*) FILTER (WHERE seconds < 60),
               count(*) FILTER (WHERE seconds >= 60 AND seconds < 300),
               count(*) FILTER (WHERE seconds >= 300 AND seconds < 900),
               count(*) FILTER (WHERE seconds >= 900 AND seconds < 1800),
               count(*) FILTER (WHERE seconds >= 1800 AND seconds < 3600),
               count(*) FILTER (WHERE seconds >= 3600 AND seconds < 7200),
               count(*) FILTER (WHERE seconds >= 7200)
        FROM durations
        """

    /// Active users: the distinct (user, local day) pairs of the log, then window functions.
    /// Each active day counts its user on the days from it to just before the user's next
    /// active day, at most 1, 7 or 30 days on, so that every day counts each user active in its
    /// window once: DAU, WAU and MAU are running sums of +1 and -1 at those ends.
    ///
    /// $1 from, $2 to, $3 time zone.
    static let activeUsers = """
        WITH days AS (
            SELECT local_day::date AS day
            FROM generate_series(
                date_trunc('day', $1::timestamptz AT TIME ZONE $3),
                $2::timestamptz AT TIME ZONE $3,
                interval '1 day') AS local_day
            WHERE local_day AT TIME ZONE $3 < $2::timestamptz
        ),
        user_days AS (
            SELECT DISTINCT user_id, (at AT TIME ZONE $3)::date AS day
            FROM seen_events
            WHERE at >= ((SELECT min(day) FROM days) - 29)::timestamp AT TIME ZONE $3
              AND at < ((SELECT max(day) FROM days) + 1)::timestamp AT TIME ZONE $3
        ),
        spans AS (
            SELECT day, lead(day) OVER (PARTITION BY user_id ORDER BY day) AS next_day FROM user_days
        ),
        changes AS (
            SELECT day, 1 AS dau, 1 AS wau, 1 AS mau FROM spans
            UNION ALL SELECT day + 1, -1, 0, 0 FROM spans
            UNION ALL SELECT least(day + 7, next_day), 0, -1, 0 FROM spans
            UNION ALL SELECT least(day + 30, next_day), 0, 0, -1 FROM spans
            UNION ALL SELECT day, 0, 0, 0 FROM days
        ),
        totals AS (
            SELECT day, sum(sum(dau)) OVER running AS dau, sum(sum(wau)) OVER running AS wau, sum(sum(mau)) OVER running AS mau
            FROM changes
            GROUP BY day
            WINDOW running AS (ORDER BY day)
        )
        SELECT to_char(t.day, 'YYYY-MM-DD'), t.dau::int8, t.wau::int8, t.mau::int8, t.dau::float8 / nullif(t.mau, 0)
        FROM totals AS t
        JOIN days AS d ON d.day = t.day
        ORDER BY t.day
        """

    /// Lifecycle by local ISO week (Monday midnights, which no clock change in this zone
    /// skips): each user's weeks with events in the range and the week before, their first
    /// week from their first event in the whole log, and each week against the one before.
    ///
    /// $1 from, $2 to, $3 time zone.
    static let lifecycleByWeek = """
        WITH weeks AS (
            SELECT week
            FROM generate_series(date_trunc('week', $1::timestamptz AT TIME ZONE $3), $2::timestamptz AT TIME ZONE $3,
                                 interval '1 week') AS week
            WHERE week AT TIME ZONE $3 < $2::timestamptz
        ),
        active AS (
            SELECT DISTINCT user_id, date_trunc('week', at AT TIME ZONE $3) AS week
            FROM seen_events
            WHERE at >= ((SELECT min(week) FROM weeks) - interval '1 week') AT TIME ZONE $3
              AND at < ((SELECT max(week) FROM weeks) + interval '1 week') AT TIME ZONE $3
        ),
        firsts AS (
            SELECT user_id, date_trunc('week', min(at) AT TIME ZONE $3) AS first_week FROM seen_events GROUP BY user_id
        ),
        counts AS (
            SELECT a.week,
                   count(*) FILTER (WHERE f.first_week = a.week) AS new,
                   count(*) FILTER (WHERE p.user_id IS NOT NULL) AS returning,
                   count(*) FILTER (WHERE p.user_id IS NULL AND f.first_week < a.week - interval '1 week') AS resurrecting
            FROM active AS a
            JOIN firsts AS f ON f.user_id = a.user_id
            LEFT JOIN active AS p ON p.user_id = a.user_id AND p.week = a.week - interval '1 week'
            GROUP BY a.week
        ),
        gone AS (
            SELECT a.week + interval '1 week' AS week, count(*) AS dormant
            FROM active AS a
            LEFT JOIN active AS n ON n.user_id = a.user_id AND n.week = a.week + interval '1 week'
            WHERE n.user_id IS NULL
            GROUP BY 1
        )
        SELECT w.week AT TIME ZONE $3, coalesce(c.new, 0)::int8, coalesce(c.returning, 0)::int8, coalesce(c.resurrecting, 0)::int8,
               (-coalesce(g.dormant, 0))::int8
        FROM weeks AS w
        LEFT JOIN counts AS c ON c.week = w.week
        LEFT JOIN gone AS g ON g.week = w.week
        ORDER BY w.week
        """

    /// Retention by local ISO week (Monday midnights, which no clock change in this zone
    /// skips): each user's first week from their first event in the whole log, their weeks
    /// with events from the first cohort's to the week holding as_of, and per cohort in the
    /// range and later week, the cohort's users active in it.
    ///
    /// $1 from, $2 to, $3 time zone, $4 as_of.
    static let retentionByWeek = """
        WITH weeks AS (
            SELECT week
            FROM generate_series(date_trunc('week', $1::timestamptz AT TIME ZONE $3), $4::timestamptz AT TIME ZONE $3,
                                 interval '1 week') AS week
        ),
        firsts AS (
            SELECT user_id, date_trunc('week', min(at) AT TIME ZONE $3) AS cohort FROM seen_events GROUP BY user_id
        ),
        active AS (
            SELECT DISTINCT user_id, date_trunc('week', at AT TIME ZONE $3) AS week
            FROM seen_events
            WHERE at >= (SELECT min(week) FROM weeks) AT TIME ZONE $3
              AND at < ((SELECT max(week) FROM weeks) + interval '1 week') AT TIME ZONE $3
        ),
        cells AS (
            SELECT f.cohort, a.week, count(*) AS users FROM active AS a JOIN firsts AS f ON f.user_id = a.user_id GROUP BY 1, 2
        )
        SELECT c.week AT TIME ZONE $3, (extract(day FROM p.week - c.week) / 7)::int8, coalesce(cells.users, 0)::int8
        FROM weeks AS c
        JOIN weeks AS p ON p.week >= c.week
        LEFT JOIN cells ON cells.cohort = c.week AND cells.week = p.week
        WHERE c.week AT TIME ZONE $3 < $2::timestamptz
        ORDER BY c.week, p.week
        """

    /// Concurrency: the runs of each user's events at most the threshold apart, cut from the
    /// log's events of the buckets and the threshold before them; each run online from its
    /// first event to its last plus the threshold, laid over the buckets it reaches (hours in
    /// absolute time, so the hour that repeats when clocks go back is its own; days from local
    /// midnights); per bucket, the peak from a running count of starts and ends (a start before
    /// an end at the same moment) and the average from the online seconds.
    ///
    /// $1 from, $2 to, $3 bucket ('hour' or 'day'), $4 time zone, $5 threshold.
    static let concurrency = """
        WITH \(buckets),
        runs AS (
            SELECT min(at) AS online_from, max(at) + $5::interval AS online_to
            FROM (
                SELECT user_id, at, sum(starts::int) OVER (PARTITION BY user_id ORDER BY at ROWS UNBOUNDED PRECEDING) AS run
                FROM (
                    SELECT user_id, at, coalesce(at - lag(at) OVER (PARTITION BY user_id ORDER BY at) > $5::interval, true) AS starts
                    FROM seen_events
                    WHERE at >= (SELECT min(start) FROM buckets) - $5::interval AND at < (SELECT max(finish) FROM buckets)
                ) AS marked
            ) AS numbered
            GROUP BY user_id, run
        ),
        pieces AS (
            SELECT b.start, greatest(r.online_from, b.start) AS piece_from, least(r.online_to, b.finish) AS piece_to,
                   r.online_to < b.finish AS ends
            FROM runs AS r
            CROSS JOIN LATERAL (
                SELECT CASE WHEN $3 = 'hour' THEN date_bin('1 hour', moment, (SELECT min(start) FROM buckets))
                            ELSE date_trunc('day', moment AT TIME ZONE $4) AT TIME ZONE $4 END AS start
                FROM generate_series(greatest(r.online_from, (SELECT min(start) FROM buckets)), r.online_to, interval '1 hour') AS moment
                UNION
                SELECT CASE WHEN $3 = 'hour' THEN date_bin('1 hour', r.online_to, (SELECT min(start) FROM buckets))
                            ELSE date_trunc('day', r.online_to AT TIME ZONE $4) AT TIME ZONE $4 END
            ) AS reached
            JOIN buckets AS b ON b.start = reached.start
        ),
        peaks AS (
            SELECT DISTINCT ON (start) start, online AS peak, at AS peak_at
            FROM (
                SELECT start, at, sum(change) OVER (PARTITION BY start ORDER BY at, change DESC ROWS UNBOUNDED PRECEDING) AS online
                FROM (
                    SELECT start, piece_from AS at, 1 AS change FROM pieces
                    UNION ALL
                    SELECT start, piece_to, -1 FROM pieces WHERE ends
                ) AS changes
            ) AS running
            ORDER BY start, online DESC, at
        ),
        seconds AS (
            SELECT start, sum(extract(epoch FROM piece_to - piece_from)) AS online FROM pieces GROUP BY start
        )
        SELECT b.start, coalesce(p.peak, 0)::int8, p.peak_at,
               (coalesce(s.online, 0) / extract(epoch FROM b.finish - b.start))::float8
        FROM buckets AS b
        LEFT JOIN peaks AS p ON p.start = b.start
        LEFT JOIN seconds AS s ON s.start = b.start
        ORDER BY b.start
        """

    /// The busiest locations at a moment, from every user's latest event in the whole log up
    /// to it, as one would without the threshold's window: the users online are those whose
    /// latest event lies within the threshold.
    static let busiestLocations = """
        SELECT location, count(*)
        FROM (
            SELECT DISTINCT ON (user_id) user_id, at, location
            FROM seen_events
            WHERE at <= $1::timestamptz
            ORDER BY user_id, at DESC, id DESC
        ) AS latest
        WHERE at >= $2::timestamptz AND location IS NOT NULL
        GROUP BY location
        ORDER BY count(*) DESC, location COLLATE "C"
        LIMIT 20
        """

    /// The users online at a moment whose latest event is under a prefix, the same way.
    static let onlineAtPrefix = """
        SELECT user_id, at, location
        FROM (
            SELECT DISTINCT ON (user_id) user_id, at, location
            FROM seen_events
            WHERE at <= $1::timestamptz
            ORDER BY user_id, at DESC, id DESC
        ) AS latest
        WHERE at >= $2::timestamptz AND left(location, length($3::text)) = $3::text
        ORDER BY at DESC, user_id
        """

    /// The viewers of a location: its events in the range, read from the log's days of the
    /// range (the log has no index by location), per user, latest first, the first 100.
    ///
    /// $1 location, $2 from, $3 to.
    static let viewers = """
        SELECT user_id, count(*), max(at)
        FROM seen_events
        WHERE location = $1::text AND at >= $2::timestamptz AND at < $3::timestamptz
        GROUP BY user_id
        ORDER BY max(at) DESC, user_id
        LIMIT 100
        """

    /// Runs one of the queries above with its parameters as binds, untyped as the library
    /// sends them (PostgreSQL takes each type from the query's cast and parses it once).
    static func rows(_ sql: String, _ parameters: [String], client: PostgresClient, logger: Logger) async throws -> [PostgresRow] {
        var bindings = PostgresBindings(capacity: parameters.count)
        for parameter in parameters { bindings.append(UntypedParameter(text: parameter)) }
        return try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).collect()
    }
}

/// A parameter in text form whose type the server infers from the query (type `unknown`).
struct UntypedParameter: PostgresDynamicTypeEncodable {
    var text: String

    var psqlType: PostgresDataType { .unknown }
    var psqlFormat: PostgresFormat { .text }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}
