import Foundation
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// Hand-made event sets for the report tests, written with RFC 3339 times as in DESIGN.md.
enum ReportFixture {
    /// A time in RFC 3339, in microseconds since 1970.
    static func at(_ text: String) -> Timestamp {
        guard let time = Timestamp(rfc3339: text) else { preconditionFailure("not an RFC 3339 time: \(text)") }
        return time
    }

    /// One event of `user` at `time` (RFC 3339), with a new id.
    static func event(_ user: String, _ time: String, _ location: String? = nil) -> SeenEvent {
        SeenEvent(user: user, at: at(time), location: location)
    }

    /// The starts of the local periods from the one before the one holding `from` until the
    /// first at or after `to`, by Foundation's ISO 8601 calendar in `zone`.
    static func periodStarts(_ period: CohortPeriod, zone: String, from: Timestamp, to: Timestamp) -> [Int64] {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: zone)!
        let component: Calendar.Component = [.day: .day, .week: .weekOfYear, .month: .month][period]!
        func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1e6).rounded()) }
        let holding = calendar.dateInterval(of: component, for: Date(timeIntervalSince1970: Double(from.microsecondsSince1970) / 1e6))!
        var interval = calendar.dateInterval(of: component, for: holding.start.addingTimeInterval(-0.001))!
        var starts = [micros(interval.start)]
        while starts.last! < to.microsecondsSince1970 {
            interval = calendar.dateInterval(of: component, for: interval.end)!
            starts.append(micros(interval.start))
        }
        return starts
    }

    /// Runs `body` against a fresh database whose log holds `events`, folded into the
    /// projections with the default session gap of 30 minutes. The activity of every past day
    /// but the last event's is packed into rows per user and day (Migration 0016), as a
    /// follower leaves it, so the reports read both layouts.
    static func withProjected(_ events: [SeenEvent], _ body: (PostgresClient) async throws -> Void) async throws {
        try await TestDatabase.withFresh { client, _ in
            if !events.isEmpty {
                try await TestDatabase.store(events, client)
            }
            try await TestDatabase.projectAll(client, count: Set(events.map(\.id)).count)
            var packing = Projector.Configuration()
            packing.quarterRowsKept = .zero
            try await Projector(client: client, configuration: packing, logger: TestDatabase.logger).compactActivity()
            try await body(client)
        }
    }

    /// Sets the projector's session gap and rebuilds the projections with it, so that a
    /// sessions report with that gap is answered from `user_sessions`, and a report with any
    /// other gap is cut from the raw log.
    static func rebuild(_ client: PostgresClient, sessionGapSeconds: Int) async throws {
        try await client.query(
            "UPDATE presence_settings SET session_gap = make_interval(secs => \(sessionGapSeconds))",
            logger: TestDatabase.logger
        )
        try await Projector(client: client, logger: TestDatabase.logger).rebuild()
    }

    /// Sets the projector's session gap without rebuilding: `user_sessions` keeps the 30-minute
    /// sessions but no longer answers a report with a 30-minute gap, which is then cut from the
    /// raw log. (The projector's gap is what decides which path answers.)
    static func answerFromLog(_ client: PostgresClient) async throws {
        try await client.query("UPDATE presence_settings SET session_gap = '1 hour'", logger: TestDatabase.logger)
    }
}

/// A suite trait: one fresh database holding `events`, projected, for all the tests of a suite
/// that only read. Fewer databases made and dropped means fewer of the checkpoints that
/// DROP DATABASE forces, during which the server's read horizon, and every test's
/// projector, waits.
struct SharedEvents: SuiteTrait, TestScoping {
    /// The events of the suite's database.
    let events: [SeenEvent]

    /// The pool of the database of the suite running.
    @TaskLocal static var client: PostgresClient?

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        try await ReportFixture.withProjected(events) { client in
            try await Self.$client.withValue(client) { try await function() }
        }
    }
}

extension Trait where Self == SharedEvents {
    /// One database holding `events`, projected, shared by the suite's tests; they read it
    /// through ``SharedEvents/client`` and must not change it.
    static func sharedEvents(_ events: [SeenEvent]) -> Self { SharedEvents(events: events) }
}
