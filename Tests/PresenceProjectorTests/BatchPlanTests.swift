import Foundation
import PostgresNIO
import PresenceModel
import PresenceStore
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// A batch's cost must not grow with the history the projections hold (DESIGN.md, "Growing
/// old well"). These tests give the projections a long history (300,000 sessions and online
/// spans, 600,000 activity rows), fold a small batch of new and late events, and read the plan of every
/// statement the fold ran (auto_explain, inside the functions too): each reaches the
/// projections through an index, and all of them together read a few rows per event of the
/// batch, not the history.
@Suite("Projector batches on large projections")
struct BatchPlanTests {
    let logger = TestDatabase.logger
    static let users = 3_000
    static let days = 100
    /// 2025-01-01T00:00:00Z: user N's session of day D starts N minutes after midnight
    /// (N < 600) and lasts 20 minutes.
    static let base: Int64 = 1_735_689_600_000_000
    static let minute: Int64 = 60_000_000
    static let day: Int64 = 1_440 * minute
    /// The projections a batch reads (presence_current and location_visits only through their
    /// upserts' keys, which are no plan steps).
    static let projections: Set<String> = ["user_sessions", "user_activity", "user_online_spans"]

    /// Fills the projections as if `users` users had each had one 20-minute session a day for
    /// `days` days: two quarter hours of activity per session, chained by previous_quarter.
    func loadHistory(_ client: PostgresClient) async throws {
        try await client.query(
            """
            INSERT INTO user_sessions (user_id, session_start, session_end, events)
            SELECT 'user' || u, s, s + interval '20 minutes', 5
            FROM generate_series(1, \(Self.users)) AS u, generate_series(0, \(Self.days - 1)) AS d,
                 LATERAL (SELECT timestamptz '2025-01-01 00:00:00+00' + d * interval '1 day' + (u % 600) * interval '1 minute') AS t(s)
            """,
            logger: logger
        )
        try await client.query(
            """
            INSERT INTO user_activity (user_id, quarter, events, previous_quarter, first_quarter)
            SELECT user_id, quarter, 2, lag(quarter) OVER (PARTITION BY user_id ORDER BY quarter),
                   min(quarter) OVER (PARTITION BY user_id)
            FROM (
                SELECT DISTINCT user_id, presence_quarter(at) AS quarter
                FROM user_sessions, LATERAL (VALUES (session_start), (session_end)) AS e(at)
            ) AS q
            """,
            logger: logger
        )
        try await client.query(
            """
            INSERT INTO presence_current (user_id, first_seen, last_seen, last_event_id, last_location, event_count)
            SELECT user_id, min(session_start), max(session_end), gen_random_uuid(), '/home', 5 * count(*)
            FROM user_sessions GROUP BY user_id
            """,
            logger: logger
        )
        // The sessions' events lie at most the 5-minute threshold apart: each is one online span.
        try await client.query(
            """
            INSERT INTO user_online_spans (user_id, first_at, last_at, events, last_event_id, last_location)
            SELECT user_id, session_start, session_end, events, gen_random_uuid(), '/home' FROM user_sessions
            """,
            logger: logger
        )
        try await client.query("ANALYZE presence_current, user_sessions, user_activity, user_online_spans", logger: logger)
    }

    /// New events for 200 users after their history, and late ones for 100 users inside it:
    /// 10 minutes after a session's end (they join it) and 5 minutes before a day's session
    /// starts (it grows back), plus one far from any session.
    static func batch() -> [SeenEvent] {
        var events: [SeenEvent] = []
        for user in 1...200 {
            let start = base + Int64(days) * day + Int64(user % 600) * minute
            for step in 0..<3 {
                events.append(SeenEvent(user: "user\(user)", at: Timestamp(microsecondsSince1970: start + Int64(step) * 7 * minute)))
            }
        }
        for user in 201...300 {
            let session = base + 50 * day + Int64(user % 600) * minute
            events.append(SeenEvent(user: "user\(user)", at: Timestamp(microsecondsSince1970: session + 30 * minute)))
            events.append(SeenEvent(user: "user\(user)", at: Timestamp(microsecondsSince1970: session - 25 * day - 5 * minute)))
            events.append(SeenEvent(user: "user\(user)", at: Timestamp(microsecondsSince1970: session + 12 * 60 * minute)))
        }
        return events
    }

    @Test("a batch reads a few rows of the projections per event, through indexes, whatever their size")
    func batchReadsOnlyItsOwnRows() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await loadHistory(client)
            let events = Self.batch()
            try await TestDatabase.store(events, client)

            let plans = try await foldWhenVisible(events.count, settings: settings, client: client)
            Self.expectBounded(plans, events: events.count)

            // What the fold did, worked out by hand from the history and the batch above.
            let sessions = try await TestDatabase.number(client, "SELECT count(*) FROM user_sessions")
            // +1 session for each of the 200 new users, +1 for each far-away late event.
            #expect(sessions == Self.users * Self.days + 200 + 100)
            // Online spans: the new users' events lie 7 minutes apart, three spans each; a late
            // event 10 minutes after a span or 12 hours away starts one; one exactly 5 minutes
            // before a span joins it.
            let spans = try await TestDatabase.number(client, "SELECT count(*) FROM user_online_spans")
            #expect(spans == Self.users * Self.days + 600 + 100 + 100)
            let widened = try await TestDatabase.number(
                client,
                """
                SELECT count(*) FROM user_online_spans
                WHERE user_id IN (SELECT 'user' || u FROM generate_series(201, 300) AS u)
                  AND last_at - first_at = interval '25 minutes' AND events = 6
                """
            )
            #expect(widened == 100)
            let joined = try await TestDatabase.number(
                client,
                """
                SELECT count(*) FROM user_sessions
                WHERE user_id IN (SELECT 'user' || u FROM generate_series(201, 300) AS u)
                  AND session_end - session_start = interval '30 minutes' AND events = 6
                """
            )
            #expect(joined == 100)
            let grown = try await TestDatabase.number(
                client,
                """
                SELECT count(*) FROM user_sessions
                WHERE user_id IN (SELECT 'user' || u FROM generate_series(201, 300) AS u)
                  AND session_end - session_start = interval '25 minutes' AND events = 6
                """
            )
            #expect(grown == 100)
            // Each late quarter hour became the previous quarter of the row after it.
            let chainBreaks = try await TestDatabase.number(
                client,
                """
                SELECT count(*) FROM (
                    SELECT previous_quarter, lag(quarter) OVER (PARTITION BY user_id ORDER BY quarter) AS expected
                    FROM user_activity WHERE user_id IN (SELECT 'user' || u FROM generate_series(1, 300) AS u)
                ) AS a WHERE previous_quarter IS DISTINCT FROM expected
                """
            )
            #expect(chainBreaks == 0)
        }
    }

    @Test("with the old days packed, late events for them read a few rows per event through indexes, and packing a day reads that day")
    func packedDays() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await loadHistory(client)
            let historyQuarters = try await TestDatabase.number(client, "SELECT count(*) FROM user_activity")
            // The checkpoint as if the history had been folded, so that its days may be packed.
            try await client.query(
                "UPDATE presence_projector SET position_at = \(RFC3339.format(Self.base + Int64(Self.days) * Self.day))::timestamptz",
                logger: logger
            )
            let packOne = "SELECT presence_compact_activity('0');"
            let packing = try TestDatabase.plans(running: packOne, on: settings)
            let dayRows = Double(2 * Self.users)
            let packSteps = Self.scans(packing).filter { $0.relationName == "user_activity" }
            #expect(!packSteps.isEmpty)
            for step in packSteps {
                #expect(step.readsThroughIndex, "\(step.nodeType) on user_activity")
            }
            let packRead = packSteps.map(\.rowsRead).reduce(0, +)
            // The day's rows twice (to pack them, to delete them), and the oldest one's probe.
            #expect(packRead <= 2 * dayRows + 1, "packing one day read \(packRead) rows of user_activity")
            for _ in 1..<90 { try await client.query("SELECT presence_compact_activity('0')", logger: logger) }
            try await client.query("ANALYZE user_activity, user_activity_days", logger: logger)
            #expect(try await TestDatabase.number(client, "SELECT count(*) FROM user_activity_days") == 90 * Self.users)

            let batch = Self.batch()
            try await TestDatabase.store(batch, client)
            let plans = try await foldWhenVisible(batch.count, settings: settings, client: client)
            Self.expectBounded(plans, events: batch.count, projections: Self.projections.union(["user_activity_days"]))

            // Each late quarter hour, packed or not, became the previous quarter of the one after it.
            let chainBreaks = try await TestDatabase.number(
                client,
                """
                SELECT count(*) FROM (
                    SELECT previous_quarter, lag(quarter) OVER (PARTITION BY user_id ORDER BY quarter) AS expected
                    FROM presence_activity('-infinity', 'infinity')
                    WHERE user_id IN (SELECT 'user' || u FROM generate_series(1, 300) AS u)
                ) AS a WHERE previous_quarter IS DISTINCT FROM expected
                """
            )
            #expect(chainBreaks == 0)
            // Every event counted once: two per quarter of the history, and the batch's.
            let events = try await TestDatabase.number(client, "SELECT sum(events)::int8 FROM presence_activity('-infinity', 'infinity')")
            #expect(events == 2 * historyQuarters + batch.count)
        }
    }

    @Test("with nothing to fold, a wake-up probes the days written since the checkpoint, not every day of the log")
    func idleWakeUpReadsNothing() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await loadHistory(client)
            var writer = EventLogWriter(client: client, logger: logger)
            let events = Self.batch()
            _ = try await writer.write(events)
            _ = try await foldWhenVisible(events.count, settings: settings, client: client)

            Self.expectIdle(try TestDatabase.plans(running: "SELECT * FROM presence_fold(20000);", on: settings))
        }
    }

    @Test("events of a transaction that commits after an older one began are held back, and said to be")
    func heldBack() async throws {
        try await TestDatabase.withFresh { client, settings in
            try await client.withConnection { holder in
                _ = try await holder.query("BEGIN", logger: logger).collect()
                _ = try await holder.query("SELECT pg_current_xact_id()", logger: logger).collect()
                try await TestDatabase.store([SeenEvent(user: "late", at: Timestamp(microsecondsSince1970: Self.base))], client)

                let rows = try await client.query("SELECT folded, held_back FROM presence_fold(100)", logger: logger).collect()
                let (folded, heldBack) = try rows.first!.decode((Int, Bool).self)
                #expect(folded == 0)
                #expect(heldBack)
                let holders = try await client.query(
                    "SELECT extract(epoch FROM running_for)::float8 FROM presence_horizon_holder()",
                    logger: logger
                ).collect()
                // The oldest transaction of the server: this one, or an older one of a test beside.
                #expect(holders.count == 1)
                _ = try await holder.query("COMMIT", logger: logger).collect()
            }
            try await TestDatabase.projectAll(client, count: 1)
            let rows = try await client.query("SELECT folded, held_back FROM presence_fold(100)", logger: logger).collect()
            let (folded, heldBack) = try rows.first!.decode((Int, Bool).self)
            #expect(folded == 0 && !heldBack)
        }
    }

    /// Every step that reads a projection or the log goes through an index, every projection
    /// is read, and together they read at most 10 rows per event of the batch.
    static func expectBounded(_ plans: [QueryPlan], events: Int, projections: Set<String> = projections) {
        let projectionSteps = scans(plans).filter { projections.contains($0.relationName ?? "") }
        for table in projections {
            #expect(projectionSteps.contains { $0.relationName == table }, "no plan read \(table)")
        }
        let logSteps = scans(plans).filter { $0.relationName?.hasPrefix("seen_events") == true }
        #expect(!logSteps.isEmpty)
        for step in projectionSteps + logSteps {
            #expect(step.readsThroughIndex, "\(step.nodeType) on \(step.relationName ?? "")")
        }
        let rowsRead = projectionSteps.map(\.rowsRead).reduce(0, +)
        // A full read of one projection alone would be 300,000 rows.
        #expect(rowsRead <= Double(10 * events), "the batch read \(rowsRead) rows of the projections")
    }

    /// An idle wake-up reads the days written since the checkpoint (an index probe of
    /// presence_written_days): the days of the transaction of the last event folded, which
    /// wrote the 3 days of the batch, of the log's 35 partitions; through indexes, finding
    /// nothing.
    static func expectIdle(_ plans: [QueryPlan]) {
        let steps = scans(plans).filter { !["presence_projector", "presence_batch", "presence_written_days_complete"].contains($0.relationName) }
        let partitions = Set(steps.compactMap(\.relationName).filter { $0.hasPrefix("seen_events") })
        #expect(steps.contains { $0.relationName == "presence_written_days" })
        #expect(
            partitions.isSubset(of: ["seen_events_20250126", "seen_events_20250220", "seen_events_20250411"]),
            "an idle wake-up read \(partitions.sorted())"
        )
        for step in steps {
            #expect(
                step.relationName?.hasPrefix("seen_events") == true || step.relationName == "presence_written_days",
                "an idle wake-up read \(step.relationName ?? "")"
            )
            #expect(step.readsThroughIndex, "\(step.nodeType) on \(step.relationName ?? "")")
            if step.relationName != "presence_written_days" { #expect(step.rowsRead == 0) }
        }
    }

    /// The steps of the plans that read a table.
    static func scans(_ plans: [QueryPlan]) -> [PlanNode] {
        plans.flatMap(\.root.allNodes).filter { $0.relationName != nil && $0.nodeType.hasSuffix("Scan") }
    }

    /// Folds the batch under auto_explain once the read horizon has passed it (tests beside
    /// this one hold it back for moments), and returns the plans of the fold that did.
    func foldWhenVisible(_ count: Int, settings: ConnectionSettings, client: PostgresClient) async throws -> [QueryPlan] {
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            let plans = try TestDatabase.plans(running: "SELECT * FROM presence_fold(100000);", on: settings)
            let folded = try await TestDatabase.number(client, "SELECT events FROM presence_projector")
            if folded == count { return plans }
            #expect(folded == 0, "the batch was folded in parts")
            if folded != 0 || ContinuousClock.now > deadline { return plans }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
