import Foundation
import PostgresNIO
import PresenceModel
import PresenceReports
import PresenceStore
import PresenceTestSupport
import Testing

extension FaultTests {
    /// Every read of Presence against a streaming hot standby (README, "Read replicas"): a
    /// primary and a standby copied from it with `pg_basebackup -R`, traffic written and
    /// projected on the primary, and each read asked of both once the standby has replayed.
    /// The standby must answer exactly as the primary.
    @Suite("Reads on a hot standby")
    struct ReplicaTests {
        static let logger = TestDatabase.logger

        /// A report in every form the command line prints it, which must agree to the byte.
        static func printed(json: String, table: ReportTable) -> String {
            ([json] + OutputFormat.allCases.compactMap(\.tableFormat).map(table.render)).joined(separator: "\n")
        }

        /// A read that may fail with a report's error: its answer, or the error's sentence.
        static func answerOrError(_ read: () async throws -> String) async throws -> String {
            do {
                return try await read()
            } catch let error as ReportError {
                return "error \(error.code): \(error)"
            }
        }

        /// An answer (an HTTP body, a file of `report all`) with what depends on the moment of
        /// asking or on the process taken out: the page's "Made by Presence at" minute, and the
        /// order in which a metrics registry lists its families.
        ///
        /// - Parameters:
        ///   - name: The route or file name the answer came from.
        ///   - body: The answer.
        static func comparable(_ name: String, _ body: String) -> String {
            if name.hasPrefix("/metrics") { return body.split(separator: "\n").sorted().joined(separator: "\n") }
            guard let made = body.range(of: "Made by Presence at "), let end = body[made.upperBound...].range(of: " (") else {
                return body
            }
            return body.replacingCharacters(in: made.upperBound..<end.lowerBound, with: "")
        }

        @Test("every report, report all with its HTML page, and the projector status read on a hot standby equal the primary's")
        func reportsOnStandby() async {
            let seed = FaultSeed(default: 11)
            await seed.replaying {
                try await ReplicaPair.with { pair in
                    let scenario = ReplicaScenario(seed: seed, users: 500, days: 3)
                    let cut = scenario.events.count * 95 / 100
                    try await pair.write(scenario.events[..<cut])
                    try await pair.projectAll()
                    // The rest stays in the log unfolded: events wait for the projector, and
                    // the reports that read the log see events the projections do not hold.
                    try await pair.write(scenario.events[cut...])
                    try await pair.settle()
                    let folded = ReplicaScenario.stored(scenario.events[..<cut])
                    let waiting = ReplicaScenario.stored(scenario.events[cut...]).subtracting(folded)
                    try await Self.expectReports(pair, scenario, folded: folded.count)
                    try await Self.expectReportSets(pair, scenario)
                    try await Self.expectProjectorStatus(pair, folded: folded.count, waiting: waiting.count)
                    try await Self.expectLagShows(pair, waiting: waiting.count)
                }
            }
        }

        /// Activity, sessions (with the projector's gap and another), active users, hour by
        /// weekday, online, last seen (now and as of a past moment) and history.
        static func expectReports(_ pair: ReplicaPair, _ scenario: ReplicaScenario, folded: Int) async throws {
            let (from, to) = (scenario.from, scenario.to)
            for (bucket, zone) in [(ActivityReport.Bucket.hour, "UTC"), (.day, "Europe/Berlin"), (.week, "America/New_York")] {
                let activity = try await pair.expectSame("activity by \(bucket) in \(zone)") { client in
                    try await ActivityReport.run(from: from, to: to, bucket: bucket, timeZone: zone, client: client, logger: logger)
                } printed: {
                    printed(json: $0.json, table: $0.table)
                }
                let events = activity.rows.reduce(0) { $0 + $1.events }
                #expect(events == folded, "activity by \(bucket) counts \(events) events, the projector folded \(folded)")
            }
            for gap: Int64 in [1_800, 600] {
                let sessions = try await pair.expectSame("sessions with a gap of \(gap) s") { client in
                    try await SessionsReport.run(from: from, to: to, gap: .seconds(gap), client: client, logger: logger)
                } printed: {
                    printed(json: $0.json, table: $0.table)
                }
                #expect(sessions.count > 0, "no sessions with a gap of \(gap) s")
            }
            try await pair.expectSame("active users") { client in
                try await ActiveUsersReport.run(from: from, to: to, timeZone: "Europe/Berlin", client: client, logger: logger)
            } printed: {
                printed(json: $0.json, table: $0.table)
            }
            try await pair.expectSame("hour by weekday") { client in
                try await HourByWeekdayReport.run(from: from, to: to, timeZone: "Asia/Kolkata", client: client, logger: logger)
            } printed: {
                printed(json: $0.json, table: $0.table)
            }

            for (moment, threshold) in [(scenario.latest, Int64(300)), (scenario.middle, 600)] {
                let online = try await pair.expectSame("online at \(moment.at)") { client in
                    try await OnlineReport.run(at: moment.at, threshold: .seconds(threshold), client: client, logger: logger)
                } printed: {
                    printed(json: $0.json, table: $0.table)
                }
                #expect(online.users.contains { $0.user == moment.user }, "\(moment.user) is not online at their own event")
            }
            for user in scenario.users {
                for asOf in [scenario.now, scenario.middle.at] {
                    let lastSeen = try await pair.expectSame("last seen of \(user) as of \(asOf)") { client in
                        try await LastSeenReport.run(user: user, asOf: asOf, client: client, logger: logger)
                    } printed: {
                        printed(json: $0.json, table: $0.table)
                    }
                    if asOf == scenario.now {
                        #expect((lastSeen.lastSeen == nil) == (user == ReplicaScenario.unknownUser), "last seen of \(user): \(lastSeen.json)")
                    }
                }
                try await pair.expectSame("history of \(user)") { client in
                    try await answerOrError {
                        let history = try await HistoryReport.run(
                            user: user,
                            from: Timestamp.earliest,
                            to: Timestamp.latest,
                            client: client,
                            logger: logger
                        )
                        return printed(json: history.json, table: history.table)
                    }
                } printed: {
                    $0
                }
            }
        }

        /// `report all` (and so the dashboard): every report of a range as files, and the HTML
        /// page, once with another session gap and a time zone, once with the defaults.
        static func expectReportSets(_ pair: ReplicaPair, _ scenario: ReplicaScenario) async throws {
            var zoned = ReportSet.Configuration(from: scenario.from, to: scenario.to, onlineAt: scenario.latest.at)
            zoned.timeZone = "Europe/Berlin"
            zoned.gap = .seconds(600)
            zoned.generatedAt = scenario.now
            var plain = ReportSet.Configuration(from: scenario.from, to: scenario.to, onlineAt: scenario.middle.at)
            plain.generatedAt = scenario.now
            for configuration in [zoned, plain] {
                try await pair.expectSame("report all in \(configuration.timeZone), gap \(configuration.gap.wholeSeconds) s") { client in
                    try await ReportSet.run(configuration: configuration, client: client, logger: logger)
                } printed: { reports in
                    reports.files.map { "\($0.name)\n\($0.table.render(.csv))\n\($0.json)" }.joined(separator: "\n")
                        + ReportPage(reports: reports, linksToFiles: true).html
                }
            }
        }

        /// The status as read on each server: the same checkpoint and the same events waiting.
        /// Its lag is measured from each server's clock at the moment of reading, so the two
        /// may differ by the time between the reads, and no more.
        static func expectProjectorStatus(_ pair: ReplicaPair, folded: Int, waiting: Int) async throws {
            let started = ContinuousClock.now
            let onStandby = try await ProjectorStatus.read(client: pair.standbyClient, logger: logger)
            let onPrimary = try await ProjectorStatus.read(client: pair.primaryClient, logger: logger)
            let between = ContinuousClock.now - started
            #expect(onStandby.folded == onPrimary.folded && onStandby.waiting == onPrimary.waiting)
            #expect(onStandby.updatedAt == onPrimary.updatedAt)
            #expect(
                max(onPrimary.lag - onStandby.lag, onStandby.lag - onPrimary.lag) <= between,
                "lag \(onStandby.lag) on the standby, \(onPrimary.lag) on the primary"
            )
            #expect(onStandby.folded == folded && onStandby.waiting == waiting, "the standby's status: \(onStandby.json)")
            #expect(onStandby.lag > .zero)
        }

        /// The lag of a standby whose replay is paused while the projector folds the waiting
        /// events on the primary: the standby answers as of where it stopped (its projector
        /// status still has them waiting) and the replay lag of docs/SCALING.md grows; once
        /// replay resumes, both agree again.
        static func expectLagShows(_ pair: ReplicaPair, waiting: Int) async throws {
            try await pair.standbyClient.query("SELECT pg_wal_replay_pause()", logger: logger)
            try await eventually("the standby's replay to pause") {
                try await TestDatabase.number(
                    pair.standbyClient,
                    "SELECT count(*)::int8 FROM pg_get_wal_replay_pause_state() AS state WHERE state = 'paused'"
                ) == 1
            }
            try await pair.projectAll()
            try await StandbyServer.waitUntil(.received, primary: pair.primaryClient, standby: pair.standbyClient)
            let behind = try await ProjectorStatus.read(client: pair.standbyClient, logger: logger)
            let ahead = try await ProjectorStatus.read(client: pair.primaryClient, logger: logger)
            #expect(
                behind.waiting == waiting && ahead.waiting == 0,
                "waiting: \(behind.waiting) on the paused standby, \(ahead.waiting) on the primary"
            )
            let rows = try await pair.standbyClient.query(
                """
                SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8
                """,
                logger: logger
            ).collect()
            let lag = try rows.first?.decode(Double.self) ?? 0
            #expect(lag > 0, "the paused standby's replay lag reads \(lag) s")

            try await pair.standbyClient.query("SELECT pg_wal_replay_resume()", logger: logger)
            try await StandbyServer.waitUntil(.replayed, primary: pair.primaryClient, standby: pair.standbyClient)
            try await pair.expectSame("the projector status after replay resumed") { client in
                try await ProjectorStatus.read(client: client, logger: logger)
            } printed: {
                $0.json
            }
        }
    }
}
