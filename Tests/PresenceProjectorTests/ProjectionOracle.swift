import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceTestSupport

/// The projections as rows of text, in a fixed order, for comparing two databases' states.
struct ProjectionSnapshot: Equatable, CustomStringConvertible {
    var current: [String]
    var sessions: [String]
    var activity: [String]
    var online: [String]
    var visits: [String]

    var description: String {
        "current: \(current.count) rows, sessions: \(sessions.count) rows, activity: \(activity.count) rows, "
            + "online spans: \(online.count) rows, visits: \(visits.count) rows"
    }

    static func read(_ client: PostgresClient) async throws -> ProjectionSnapshot {
        func rows(_ query: PostgresQuery) async throws -> [String] {
            var result: [String] = []
            for try await text in try await client.query(query, logger: TestDatabase.logger).decode(String.self) {
                result.append(text)
            }
            return result
        }
        return ProjectionSnapshot(
            current: try await rows(
                """
                SELECT concat_ws('|', user_id, (extract(epoch FROM first_seen) * 1e6)::int8,
                       (extract(epoch FROM last_seen) * 1e6)::int8, last_location, event_count)
                FROM presence_current ORDER BY user_id
                """
            ),
            sessions: try await rows(
                """
                SELECT concat_ws('|', user_id, (extract(epoch FROM session_start) * 1e6)::int8,
                       (extract(epoch FROM session_end) * 1e6)::int8, events)
                FROM user_sessions ORDER BY user_id, session_start
                """
            ),
            activity: try await rows(
                """
                SELECT concat_ws('|', user_id, (extract(epoch FROM quarter))::int8, events,
                       (extract(epoch FROM first_quarter))::int8, (extract(epoch FROM previous_quarter))::int8)
                FROM presence_activity('-infinity', 'infinity') ORDER BY user_id, quarter
                """
            ),
            online: try await rows(
                """
                SELECT concat_ws('|', user_id, (extract(epoch FROM first_at) * 1e6)::int8,
                       (extract(epoch FROM last_at) * 1e6)::int8, events, last_location)
                FROM presence_online_spans('[-infinity, infinity]') ORDER BY user_id, first_at
                """
            ),
            visits: try await rows(
                """
                SELECT concat_ws('|', location, (extract(epoch FROM quarter))::int8, user_id, sum(events),
                       (extract(epoch FROM max(last_at)) * 1e6)::int8)
                FROM (
                    SELECT location, quarter, user_id, events, last_at FROM location_visits
                    UNION ALL
                    SELECT d.location, d.day::timestamp AT TIME ZONE 'UTC' + e.number * interval '15 minutes', e.user_id, e.events, e.last_at
                    FROM location_visit_days AS d, unnest(d.quarters, d.users, d.events, d.last_at) AS e (number, user_id, events, last_at)
                ) AS visits
                GROUP BY location, quarter, user_id
                ORDER BY location COLLATE "C", quarter, user_id COLLATE "C"
                """
            )
        )
    }

    /// The projections DESIGN.md defines, computed in Swift from the set of events: an oracle
    /// that shares no code with the SQL. The online spans are the runs of events at most
    /// `threshold` apart (a user is online over [at, at + threshold] after each event), each
    /// with the location of its last event in (at, id) order; the visits count each user's
    /// events per location and UTC quarter hour, with the latest time.
    static func expected(
        from events: Set<SeenEvent>,
        gap: Int64 = 1_800_000_000,
        threshold: Int64 = 300_000_000
    ) -> ProjectionSnapshot {
        let byUser = Dictionary(grouping: events, by: \.user)
        var current: [String] = []
        var sessions: [String] = []
        var activity: [String] = []
        var online: [String] = []
        for user in byUser.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let ordered = byUser[user]!.sorted {
                ($0.at, $0.id.uuidString.lowercased()) < ($1.at, $1.id.uuidString.lowercased())
            }
            let last = ordered.last!
            current.append(
                [user, "\(ordered.first!.at.microsecondsSince1970)", "\(last.at.microsecondsSince1970)", last.location, "\(ordered.count)"]
                    .compactMap { $0 }.joined(separator: "|")
            )
            var start = ordered[0].at.microsecondsSince1970
            var end = start
            var count = 0
            for event in ordered {
                if event.at.microsecondsSince1970 - end > gap {
                    sessions.append("\(user)|\(start)|\(end)|\(count)")
                    start = event.at.microsecondsSince1970
                    count = 0
                }
                end = event.at.microsecondsSince1970
                count += 1
            }
            sessions.append("\(user)|\(start)|\(end)|\(count)")
            var run: [SeenEvent] = []
            for event in ordered + [nil] as [SeenEvent?] {
                if let last = run.last, event.map({ $0.at.microsecondsSince1970 - last.at.microsecondsSince1970 > threshold }) ?? true {
                    let fields = [user, "\(run[0].at.microsecondsSince1970)", "\(last.at.microsecondsSince1970)", "\(run.count)", last.location]
                    online.append(fields.compactMap { $0 }.joined(separator: "|"))
                    run = []
                }
                if let event { run.append(event) }
            }
            let quarters = Dictionary(grouping: ordered) { event -> Int64 in
                let seconds = event.at.microsecondsSince1970 / 1_000_000 - (event.at.microsecondsSince1970 % 1_000_000 < 0 ? 1 : 0)
                return seconds - ((seconds % 900) + 900) % 900
            }
            var previous: Int64?
            let first = quarters.keys.min()!
            for quarter in quarters.keys.sorted() {
                activity.append("\(user)|\(quarter)|\(quarters[quarter]!.count)|\(first)" + (previous.map { "|\($0)" } ?? ""))
                previous = quarter
            }
        }
        func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
        let visited = Dictionary(grouping: events.filter { $0.location != nil }) { event in
            let seconds = event.at.microsecondsSince1970 / 1_000_000 - (event.at.microsecondsSince1970 % 1_000_000 < 0 ? 1 : 0)
            return VisitKey(location: event.location!, quarter: seconds - ((seconds % 900) + 900) % 900, user: event.user)
        }
        let visits = visited.keys.sorted { a, b in
            if a.location != b.location { return bytes(a.location).lexicographicallyPrecedes(bytes(b.location)) }
            if a.quarter != b.quarter { return a.quarter < b.quarter }
            return bytes(a.user).lexicographicallyPrecedes(bytes(b.user))
        }.map { key in
            let times = visited[key]!.map(\.at.microsecondsSince1970)
            return "\(key.location)|\(key.quarter)|\(key.user)|\(times.count)|\(times.max()!)"
        }
        return ProjectionSnapshot(current: current, sessions: sessions, activity: activity, online: online, visits: visits)
    }
}

/// A row of location_visits: a location, a UTC quarter hour (seconds since 1970) and a user.
private struct VisitKey: Hashable {
    var location: String
    var quarter: Int64
    var user: String
}
