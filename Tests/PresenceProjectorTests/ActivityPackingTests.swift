import Foundation
import PostgresNIO
import PresenceModel
import PresenceProjector
import PresenceTestSupport
import ServiceLifecycleTestKit
import Testing

@testable import PresenceIngest

/// The activity of old UTC days packed into one row per user and day (Migration 0016), and
/// their online spans and location visits packed with it (Migration 0022), are the
/// projections DESIGN.md defines, whatever was packed when, and however late events arrive.
@Suite("Packing old days of activity")
struct ActivityPackingTests {
    let logger = TestDatabase.logger
    static let base: Int64 = 1_767_225_600_000_000  // 2026-01-01T00:00:00Z
    static let minute: Int64 = 60_000_000
    static let day: Int64 = 1_440 * minute

    /// Events of six users over twelve days: each is seen on about two days in three, in one
    /// to three bursts of up to six events a day, some across quarter-hour edges and UTC
    /// midnight, at one of two locations or none.
    static func events(seed: UInt64) -> [SeenEvent] {
        var random = SplitMix64(seed: seed)
        var events: [SeenEvent] = []
        for user in ["ann", "bo", "cy", "dee", "tab\tuser", "ünï"] {
            for day in 0..<12 where random.next() % 3 != 0 {
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    var at = base + Int64(day) * Self.day + Int64(random.next() % UInt64(Self.day))
                    for _ in 0..<(1 + Int(random.next() % 6)) {
                        at += Int64(random.next() % UInt64(20 * minute))
                        events.append(
                            SeenEvent(
                                id: UUID.version7(at: Timestamp(microsecondsSince1970: at), using: &random),
                                user: user,
                                at: Timestamp(microsecondsSince1970: at),
                                location: ["/p", "/q/1", nil][Int(random.next() % 3)]
                            )
                        )
                    }
                }
            }
        }
        return events
    }

    /// A projector that packs every day it has folded past.
    func packingProjector(_ client: PostgresClient) -> Projector {
        var configuration = Projector.Configuration()
        configuration.quarterRowsKept = .zero
        return Projector(client: client, configuration: configuration, logger: logger)
    }

    /// The end of the latest packed day, in microseconds since 1970; nil when none is packed.
    func packedUntil(_ client: PostgresClient) async throws -> Int64? {
        let rows = try await client.query(
            "SELECT (extract(epoch FROM (max(day) + 1)::timestamp) * 1e6)::int8 FROM user_activity_days",
            logger: logger
        ).collect()
        return try rows.first?.decode(Int64?.self)
    }

    @Test(
        "packing between batches, with late events for packed days, keeps the activity of the definition; a rebuild packs the same",
        arguments: 1...8
    )
    func lateEventsOnPackedDays(seed: UInt64) async throws {
        try await TestDatabase.withFresh { client, _ in
            var random = SplitMix64(seed: seed &* 104_729)
            let all = Self.events(seed: seed)
            // Most events come in time order, and the days behind them are packed as they go;
            // a fifth arrive late, shuffled, some of them twice.
            var onTime: [SeenEvent] = []
            var late: [SeenEvent] = []
            for event in all.sorted(by: { $0.at.microsecondsSince1970 < $1.at.microsecondsSince1970 }) {
                if random.next() % 5 == 0 { late.append(event) } else { onTime.append(event) }
            }
            late.shuffle(using: &random)
            late += all.shuffled(using: &random).prefix(all.count / 10)

            let projector = packingProjector(client)
            var writer = EventLogWriter(client: client, logger: logger)
            var written: Set<SeenEvent> = []
            var packedDays = 0
            var lateOnPackedDays = 0
            for (events, chunk, areLate) in [(onTime, 20, false), (late, 4, true)] {
                for start in stride(from: 0, to: events.count, by: chunk) {
                    let part = Array(events[start..<min(start + chunk, events.count)])
                    if areLate, let packed = try await packedUntil(client) {
                        lateOnPackedDays += part.filter { $0.at.microsecondsSince1970 < packed }.count
                    }
                    _ = try await writer.write(part)
                    written.formUnion(part)
                    try await TestDatabase.projectAll(client, count: written.count, batchSize: 1 + Int(random.next() % 30))
                    if random.next() % 3 != 0 { packedDays += try await projector.compactActivity() }
                }
            }
            #expect(packedDays >= 8)
            #expect(lateOnPackedDays > 0)
            let folded = try await ProjectionSnapshot.read(client)
            #expect(folded == ProjectionSnapshot.expected(from: written))
            try await expectPackedWithActivity(client)

            #expect(try await projector.rebuild() == written.count)
            #expect(try await ProjectionSnapshot.read(client) == folded)
            // The rebuild packed, as it folded past them, the days before the one of the last
            // event it folded (the last one written, a late one).
            #expect(try await TestDatabase.number(client, "SELECT count(*) FROM user_activity_days") > 0)
            let unpacked = try await TestDatabase.number(
                client,
                """
                SELECT count(*) FROM user_activity, presence_projector
                WHERE quarter < date_bin('1 day', position_at, timestamptz '1970-01-01 00:00:00+00')
                """
            )
            #expect(unpacked == 0)
        }
    }

    /// The spans and visits of the packed days of activity are packed too, and the late
    /// events' days were packed again: of the spans before the end of the latest packed day,
    /// only those that run, threshold included, past the UTC midnight after their start
    /// remain rows, and no visit does.
    func expectPackedWithActivity(_ client: PostgresClient, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let packedUntil = "(SELECT (max(day) + 1)::timestamp AT TIME ZONE 'UTC' FROM user_activity_days)"
        #expect(try await TestDatabase.number(client, "SELECT count(*) FROM user_online_span_hours") > 0, sourceLocation: sourceLocation)
        #expect(try await TestDatabase.number(client, "SELECT count(*) FROM location_visit_days") > 0, sourceLocation: sourceLocation)
        let spanRows = try await TestDatabase.number(
            client,
            """
            SELECT count(*) FROM user_online_spans
            WHERE first_at < \(unescaped: packedUntil)
              AND last_at + interval '5 minutes' < date_trunc('day', first_at, 'UTC') + interval '24 hours'
            """
        )
        #expect(spanRows == 0, sourceLocation: sourceLocation)
        let visitRows = try await TestDatabase.number(
            client,
            "SELECT count(*) FROM location_visits WHERE quarter < \(unescaped: packedUntil)"
        )
        #expect(visitRows == 0, sourceLocation: sourceLocation)
    }

    @Test("a day is packed from UTC midnight to midnight, whatever the session's time zone")
    func packsUTCDays() async throws {
        // Two users every 20 minutes over the days Berlin's clocks change, in March and October.
        let starts = ["2026-03-28T00:00:00Z", "2026-10-24T00:00:00Z"].map { RFC3339.parse($0)! }
        let events = starts.flatMap { start in
            (0..<(3 * 72)).flatMap { step in
                ["u", "v"].map { user in
                    SeenEvent(user: user, at: Timestamp(microsecondsSince1970: start + Int64(step) * 20 * Self.minute), location: "/p")
                }
            }
        }
        try await TestDatabase.withFresh { client, _ in
            try await TestDatabase.store(events, client)
            try await TestDatabase.projectAll(client, count: events.count)
            // In Berlin, `+ interval '1 day'` is 23 hours on 2026-03-29 and 25 on 2026-10-25.
            let days = try await client.withConnection { connection in
                try await connection.query("SET TimeZone = 'Europe/Berlin'", logger: logger)
                var days: [String] = []
                // Bounded: a day packed short is found again and again.
                while days.count < 10 {
                    let rows = try await connection.query("SELECT presence_compact_activity('0')::text", logger: logger).collect()
                    guard let day = try rows.first?.decode(String?.self) ?? nil else { return days }
                    days.append(day)
                }
                return days
            }
            #expect(days == ["2026-03-28", "2026-03-29", "2026-03-30", "2026-10-24", "2026-10-25"])
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: Set(events)))
            try await expectPackedWithActivity(client)
        }
    }

    @Test("a day is packed once it ended quarterRowsKept before the last event folded")
    func packsOnlyWhatIsDue() async throws {
        try await TestDatabase.withFresh { client, _ in
            let now = Timestamp.now.microsecondsSince1970
            let today = now / Self.day * Self.day
            let events = [10, 3, 0].map { SeenEvent(user: "u", at: Timestamp(microsecondsSince1970: now - Int64($0) * Self.day)) }
            try await TestDatabase.store(events, client)
            try await TestDatabase.projectAll(client, count: events.count)

            var configuration = Projector.Configuration()
            configuration.quarterRowsKept = .seconds(5 * 86_400)
            #expect(try await Projector(client: client, configuration: configuration, logger: logger).compactActivity() == 1)
            #expect(try await packedUntil(client) == today - 9 * Self.day)
            // With nothing kept, every day before the last event's is packed, not the last event's.
            #expect(try await packingProjector(client).compactActivity() == 1)
            #expect(try await packedUntil(client) == today - 2 * Self.day)
            #expect(try await TestDatabase.number(client, "SELECT count(*) FROM user_activity") == 1)
            #expect(try await ProjectionSnapshot.read(client) == ProjectionSnapshot.expected(from: Set(events)))
        }
    }

    @Test("the follower packs the old days between its batches; the projector role may")
    func followerPacks() async throws {
        let events = Self.events(seed: 99)
        try await TestDatabase.withFresh { owner, settings in
            try await TestDatabase.withLogin(as: .projector, settings: settings) { client, _ in
                var configuration = Projector.Configuration()
                configuration.quarterRowsKept = .zero
                // When no day is due, the follower looks again after this interval.
                configuration.partitionMaintenance.interval = .seconds(1)
                let projector = Projector(client: client, configuration: configuration, logger: logger)
                try await testGracefulShutdown { trigger in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await projector.run() }
                        try await TestDatabase.store(events, owner)
                        // Generous: on a busy server, other tests' CREATE and DROP DATABASE hold
                        // the read horizon back for seconds.
                        let deadline = ContinuousClock.now + .seconds(90)
                        let lastDay = events.map(\.at.microsecondsSince1970).max()! / Self.day * Self.day
                        while try await packedUntil(owner) != lastDay, ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        trigger.triggerGracefulShutdown()
                        try await group.waitForAll()
                        #expect(try await packedUntil(owner) == lastDay)
                    }
                }
            }
            #expect(try await ProjectionSnapshot.read(owner) == ProjectionSnapshot.expected(from: Set(events)))
        }
    }
}
