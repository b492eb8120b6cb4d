import Foundation
import Logging
import PostgresNIO
import PresenceModel

/// The users online at a moment, most recent first, anywhere or at a location
/// (`presence online`).
public struct OnlineReport: Sendable, Hashable {
    /// One online user.
    public struct User: Sendable, Hashable {
        /// Who.
        public var user: String
        /// Last seen as of the moment; `nil` when retention has dropped the day from the log
        /// and the moment lies within a run of the user's events (the projection of online
        /// spans knows that they were online, not the times of those events).
        public var lastSeen: Timestamp?
        /// Where, if the event said (and is known, as ``lastSeen`` is).
        public var location: String?
    }

    /// The moment.
    public var at: Timestamp
    /// The threshold: online means last seen at most this long before ``at``.
    public var threshold: Duration
    /// The location asked about, or `nil` for anywhere.
    public var location: LocationMatch?
    /// The users online (at the location), most recent first; hidden users left out
    /// (DESIGN.md, "Hidden user").
    public var users: [User]
    /// How many hidden users are online (at the location) too: counted, never listed.
    public var hiddenUsers: Int

    /// Runs the report.
    ///
    /// It reads the log's window `[at - threshold, at]`, and with the projector's threshold
    /// also the projection of online spans, which keeps the answer once retention has dropped
    /// the day from the log.
    ///
    /// - Parameters:
    ///   - at: The moment.
    ///   - threshold: How recent a last seen counts as online.
    ///   - location: Only the users whose latest event is at this location; `nil` for all.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    public static func run(
        at: Timestamp,
        threshold: Duration,
        location: LocationMatch? = nil,
        client: PostgresClient,
        logger: Logger
    ) async throws -> OnlineReport {
        let since = windowStart(at: at, threshold: threshold)
        let rows = try await ReportQuery.online.rows(
            [at.rfc3339, since.rfc3339] + LocationMatch.binds(location) + ["\(threshold.wholeMicroseconds) microseconds", "true"],
            client: client,
            logger: logger
        )
        var users: [User] = []
        var hiddenUsers = 0
        for row in rows {
            let (user, lastSeen, location, hidden) = try row.decode((String, Timestamp?, String?, Bool).self)
            if hidden {
                hiddenUsers += 1
            } else {
                users.append(User(user: user, lastSeen: lastSeen, location: location))
            }
        }
        return OnlineReport(at: at, threshold: threshold, location: location, users: users, hiddenUsers: hiddenUsers)
    }

    /// The start of the log's window that holds the latest event of every user online at
    /// `at`: `at - threshold`. No event lies before the earliest time the rules allow, so a
    /// window reaching past it starts there (and the difference cannot overflow).
    static func windowStart(at: Timestamp, threshold: Duration) -> Timestamp {
        threshold >= at - .earliest ? min(.earliest, at) : at - threshold
    }

    /// One row per user.
    public var table: ReportTable {
        ReportTable(
            columns: ["user", "last_seen", "location"],
            rows: users.map { [$0.user, $0.lastSeen?.rfc3339, $0.location] }
        )
    }

    /// The report in DESIGN.md's JSON shape.
    public var json: String {
        JSONText.object([
            ("at", JSONText.time(at)), ("threshold_seconds", "\(threshold.wholeSeconds)"),
            (
                "users",
                JSONText.array(
                    users.map { user in
                        JSONText.object([
                            ("user", JSONText.string(user.user)), ("last_seen", JSONText.time(user.lastSeen)),
                            ("location", JSONText.string(user.location)),
                        ])
                    }
                )
            ),
        ])
    }
}

extension OnlineReport: ReportDefinition {
    public static let name = "online"
    public static let summary = "List the users online at a moment, most recent first, with last seen and location; or only those at a location."
    public static let parameters =
        [
            ReportParameter.at, ReportParameter.threshold,
        ] + LocationMatch.parameters

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> OnlineReport {
        try await run(
            at: arguments.time("at"),
            threshold: arguments.duration("threshold"),
            location: LocationMatch.from(arguments),
            client: client,
            logger: logger
        )
    }
}
