import Foundation
import Logging
import PostgresNIO
import PresenceModel

/// Who viewed a location in a range, latest first: "who viewed my profile"
/// (`presence viewers`; DESIGN.md, "Presence at a location").
///
/// Answered from the projection of visits per location, quarter hour and user
/// (Migration 0021), so a profile page can ask on every view, and the answer outlives
/// retention; only the parts of quarter hours at the range's ends read the log.
public struct ViewersReport: Sendable, Hashable {
    /// One viewer.
    public struct Viewer: Sendable, Hashable {
        /// Who.
        public var user: String
        /// Their events at the location in the range.
        public var events: Int
        /// Their latest time at the location in the range.
        public var lastSeen: Timestamp
    }

    /// The location.
    public var location: String
    /// The start of the range (included).
    public var from: Timestamp
    /// The end of the range (excluded).
    public var to: Timestamp
    /// The viewers, latest first (by name among equal times), at most the limit asked for.
    public var viewers: [Viewer]

    /// The most viewers listed when no limit is given.
    public static let defaultLimit = 100

    /// Runs the report.
    ///
    /// - Parameters:
    ///   - location: The location, exactly.
    ///   - from: The start of the range (included).
    ///   - to: The end of the range (excluded).
    ///   - limit: The most viewers listed, the latest; none for 0 or less.
    ///   - excluding: A user left out, such as the profile's owner.
    ///   - client: The pool to query through.
    ///   - logger: Where to log the query.
    /// - Throws: ``ReportError`` when `from` is not before `to`, or the location or the user
    ///   left out cannot be one an event has.
    public static func run(
        location: String,
        from: Timestamp,
        to: Timestamp,
        limit: Int = defaultLimit,
        excluding: String? = nil,
        client: PostgresClient,
        logger: Logger
    ) async throws -> ViewersReport {
        try ReportError.requireRange(from: from, to: to)
        try LocationMatch.requireValid(location)
        if let excluding, excluding.utf8.contains(0) || excluding.utf8.count > SeenEvent.Rules.maximumUserBytes {
            throw ReportError(
                .invalidUser,
                "The user \(JSONText.string(String(excluding.prefix(64)))) cannot be one: a user has at most \(SeenEvent.Rules.maximumUserBytes) bytes of UTF-8 and no NUL."
            )
        }
        let rows = try await ReportQuery.viewers.rows(
            [location, from.rfc3339, to.rfc3339, "\(max(limit, 0))", excluding],
            client: client,
            logger: logger
        )
        let viewers = try rows.map { row in
            let (user, events, lastSeen) = try row.decode((String, Int, Timestamp).self)
            return Viewer(user: user, events: events, lastSeen: lastSeen)
        }
        return ViewersReport(location: location, from: from, to: to, viewers: viewers)
    }

    /// One row per viewer.
    public var table: ReportTable {
        ReportTable(
            columns: ["user", "events", "last_seen"],
            rows: viewers.map { [$0.user, "\($0.events)", $0.lastSeen.rfc3339] }
        )
    }

    /// The report in DESIGN.md's JSON shape.
    public var json: String {
        JSONText.object([
            ("location", JSONText.string(location)), ("from", JSONText.time(from)), ("to", JSONText.time(to)),
            (
                "viewers",
                JSONText.array(
                    viewers.map { viewer in
                        JSONText.object([
                            ("user", JSONText.string(viewer.user)), ("events", "\(viewer.events)"),
                            ("last_seen", JSONText.time(viewer.lastSeen)),
                        ])
                    }
                )
            ),
        ])
    }
}

extension ViewersReport: ReportDefinition {
    public static let name = "viewers"
    public static let summary = "List the users with an event at a location in a range, latest first, with their events there."
    public static let parameters = [
        ReportParameter("location", .text, positional: true, help: "The location, exactly."),
        ReportParameter("from", .time, help: "The start of the range, RFC 3339."),
        ReportParameter("to", .time, default: .now, help: "The end of the range, excluded, RFC 3339."),
        ReportParameter("limit", .count, default: .text("\(defaultLimit)"), help: "The most viewers listed, the latest."),
        ReportParameter("exclude", .text, default: .absent, help: "A user left out, such as the profile's owner."),
    ]

    public static func run(_ arguments: ReportArguments, client: PostgresClient, logger: Logger) async throws -> ViewersReport {
        try await run(
            location: arguments.text("location"),
            from: arguments.time("from"),
            to: arguments.time("to"),
            limit: arguments.count("limit"),
            excluding: arguments.optionalText("exclude"),
            client: client,
            logger: logger
        )
    }
}
