import ArgumentParser
import Foundation
import PresenceIngest
import PresenceModel
import PresenceProjector
import PresenceReports
import PresenceSimulation
import PresenceStore

/// `presence demo`: the whole data flow on the embedded server, in its own database.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate a week of traffic on the embedded server, project it, print the reports and write the HTML page.",
        discussion: """
            Works in a database of its own, \(DemoCommand.database), on the embedded server \
            (ignoring DATABASE_URL), made afresh on every run, so no other data is touched.
            """
    )

    /// The embedded server's database the demo uses.
    static let database = "presence_demo"

    @Option(help: "How many simulated users.")
    var users = 3_000

    @Option(help: "How many days of traffic, ending now.")
    var days = 7

    @Option(help: "The random seed of the traffic.")
    var seed: UInt64 = 1

    @Option(help: "The IANA time zone of the reports.")
    var tz = "UTC"

    @Option(help: ArgumentHelp("Where to write the HTML page and the reports (default: demo/ in the data folder).", valueName: "folder"))
    var out: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard global.databaseURL == nil else {
            throw ValidationError("presence demo runs on the embedded server only; leave out --database-url.")
        }
        guard users > 0, users <= 100_000 else { throw ValidationError("--users must be from 1 to 100000.") }
        guard days > 0, days <= 90 else { throw ValidationError("--days must be from 1 to 90.") }
    }

    func run() async throws {
        let logger = global.makeLogger()
        let server = global.embeddedServer
        let started = ContinuousClock.now
        let settings = try await server.start(logger: logger).with(database: Self.database)
        try await settings.with(database: "postgres").withClient(logger: logger) { client in
            // A typo in --tz fails now, not after a week of traffic has been simulated.
            try await TimeZoneCheck.resolve(tz, client: client, logger: logger)
            try await client.dropDatabase(named: Self.database, logger: logger)
            try await client.createDatabase(named: Self.database, logger: logger)
        }
        try await settings.withClient(logger: logger) { client in
            _ = try await Migrator(client: client).migrate(logger: logger)
        }
        print(
            "Presence demo: \(users) simulated users over \(days) days, in the database \(Self.database) of the embedded server in \(server.configuration.dataFolder)"
        )

        let end = Timestamp.now
        var simulation = TrafficSimulator.Configuration(end: end)
        simulation.users = users
        simulation.days = days
        simulation.seed = seed
        let simulator = TrafficSimulator(configuration: simulation)
        let (sent, statistics) = try await TrackerSession.record(simulator.events(), settings: settings, logger: logger)
        print("simulated \(sent) events: stored \(statistics.stored), duplicates \(statistics.duplicates)")

        let folder = out ?? server.configuration.dataFolder + "/demo"
        let written = try await settings.withClient(logger: logger) { client in
            let folded = try await Projector(client: client, logger: logger).catchUp()
            print("projected \(folded) events")

            var configuration = ReportSet.Configuration(from: end - .seconds(Int64(days) * 86_400), to: end, onlineAt: end)
            configuration.timeZone = tz
            let reports = try await ReportSet.run(configuration: configuration, client: client, logger: logger)
            let daily = try await ActivityReport.run(
                from: configuration.from,
                to: end,
                bucket: .day,
                timeZone: tz,
                client: client,
                logger: logger
            )
            printReports(reports, daily: daily)
            return try reports.write(toFolder: folder)
        }
        let seconds = (ContinuousClock.now - started).components.seconds
        print(
            """

            The HTML page with charts: \(written.last ?? folder)
            Each report as CSV and JSON beside it, in \(folder)
            Done in \(seconds) s. Ask more of the same data with --database-url, for example:
              swift run presence last-seen \(TrafficSimulator.userName(0)) --database-url '\(settings)'
            """
        )
    }

    private func printReports(_ reports: ReportSet, daily: ActivityReport) {
        var online = reports.online
        let shown = 10
        let more = online.users.count - shown
        online.users = Array(online.users.prefix(shown))
        print(
            "\nOnline now: \(reports.online.users.count) users seen in the last \(reports.online.threshold.wholeSeconds / 60) minutes"
                + (more > 0 ? " (the \(shown) most recent)" : "")
        )
        print(online.table.render(.table), terminator: "")
        print("\nActivity per day (\(tz))")
        print(daily.table.render(.table), terminator: "")
        print("\nConcurrent users per day (\(tz)): the most online at once, when, and the average")
        print(reports.dailyConcurrency.table.render(.table), terminator: "")
        print("\nSession durations (gap \(reports.sessions.gap.wholeSeconds / 60) minutes)")
        print(reports.sessions.table.render(.table), terminator: "")
        print("\nActive users (\(tz))")
        print(reports.activeUsers.table.render(.table), terminator: "")
        let period = reports.retention.period.rawValue
        print("\nRetention of cohorts by \(period) (\(tz)): each \(period)'s new users, and how many came back N \(period)s later")
        print(reports.retention.table.render(.table), terminator: "")
        print("\nLifecycle per \(period) (\(tz))")
        print(reports.lifecycle.table.render(.table), terminator: "")
    }
}
