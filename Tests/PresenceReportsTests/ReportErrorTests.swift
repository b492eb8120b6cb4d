import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceTestSupport
import Testing

/// One known user, alice, for the error tests.
private enum AliceAlone {
    static let all = [ReportFixture.event("alice", "2026-11-29T10:00:00Z")]
}

/// Bad input to the reports: refused with a ``ReportError`` whose description is one sentence
/// that says what to do; an unknown user is an error for history but not for last-seen.
@Suite("Report errors", .sharedEvents(AliceAlone.all))
struct ReportErrorTests {
    let logger = TestDatabase.logger
    static func at(_ text: String) -> Timestamp { ReportFixture.at(text) }

    static let unknownZone =
        #"The time zone "Mars/Olympus" is unknown: use an IANA name such as UTC, Europe/Berlin or America/New_York."#
    static let emptyRange = "The range is empty: its start must lie before its end."

    /// Runs `body`, which must throw a ``ReportError``, and returns it.
    func refusal(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> ReportError? {
        await #expect(throws: ReportError.self, sourceLocation: sourceLocation) { try await body() }
    }

    @Test("an unknown time zone is refused by activity, active users and the zone check, in one sentence")
    func unknownTimeZone() async throws {
        let client = try #require(SharedEvents.client)
        let from = Self.at("2026-11-29T00:00:00Z")
        let to = Self.at("2026-11-30T00:00:00Z")
        let errors = [
            await refusal {
                _ = try await ActivityReport.run(
                    from: from,
                    to: to,
                    bucket: .hour,
                    timeZone: "Mars/Olympus",
                    client: client,
                    logger: logger
                )
            },
            await refusal {
                _ = try await ActiveUsersReport.run(from: from, to: to, timeZone: "Mars/Olympus", client: client, logger: logger)
            },
            await refusal { try await TimeZoneCheck.resolve("Mars/Olympus", client: client, logger: logger) },
        ]
        #expect(errors.map { $0?.code } == [.unknownTimeZone, .unknownTimeZone, .unknownTimeZone])
        #expect(errors.map { $0?.description } == [Self.unknownZone, Self.unknownZone, Self.unknownZone])
        // An offset, or nothing, is no IANA name.
        for name in ["+05:30", ""] {
            let error = await refusal { try await TimeZoneCheck.resolve(name, client: client, logger: logger) }
            #expect(error?.code == .unknownTimeZone)
        }
        try await TimeZoneCheck.resolve("Asia/Kathmandu", client: client, logger: logger)
    }

    @Test("from equal to or after to is refused by every report of a range, in one sentence", arguments: [0, -1])
    func emptyRange(_ shift: Int64) async throws {
        let client = try #require(SharedEvents.client)
        // to = from (shift 0) or one microsecond before it (shift −1).
        let from = Self.at("2026-11-29T00:00:00Z")
        let to = from + .microseconds(shift)
        let errors = [
            await refusal {
                _ = try await ActivityReport.run(from: from, to: to, bucket: .day, timeZone: "UTC", client: client, logger: logger)
            },
            await refusal { _ = try await SessionsReport.run(from: from, to: to, gap: .seconds(1800), client: client, logger: logger) },
            await refusal { _ = try await ActiveUsersReport.run(from: from, to: to, timeZone: "UTC", client: client, logger: logger) },
            await refusal { _ = try await HistoryReport.run(user: "alice", from: from, to: to, client: client, logger: logger) },
        ]
        #expect(errors.map { $0?.code } == Array(repeating: ReportError.Code.emptyRange, count: 4))
        #expect(errors.map { $0?.description } == Array(repeating: Self.emptyRange, count: 4))
    }

    @Test("history of a user never seen is an error; last seen of one is null, no error")
    func unknownUser() async throws {
        let client = try #require(SharedEvents.client)
        let error = await refusal {
            _ = try await HistoryReport.run(
                user: "carol",
                from: Timestamp.earliest,
                to: Timestamp.latest,
                client: client,
                logger: logger
            )
        }
        #expect(error?.code == .unknownUser)
        #expect(error?.description == #"No events of the user "carol" have been projected: check the name, or let the projector catch up."#)
        let lastSeen = try await LastSeenReport.run(user: "carol", asOf: Self.at("2026-11-30T00:00:00Z"), client: client, logger: logger)
        #expect(lastSeen.json == #"{"user":"carol","as_of":"2026-11-30T00:00:00Z","last_seen":null,"location":null}"#)
        // A known user with nothing in the range is no error either.
        let quiet = try await HistoryReport.run(
            user: "alice",
            from: Self.at("2026-12-01T00:00:00Z"),
            to: Self.at("2026-12-02T00:00:00Z"),
            client: client,
            logger: logger
        )
        #expect(quiet.sessions.isEmpty)
    }
}
