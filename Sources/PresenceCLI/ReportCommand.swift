import ArgumentParser
import PresenceModel
import PresenceReports
import PresenceStore

/// `presence report …`: the analytics reports.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print an analytics report of a time range.",
        subcommands: [Activity.self, Sessions.self, ActiveUsers.self, HourByWeekday.self, All.self]
    )

    /// `presence report activity --from T --to T [--bucket hour|day|week] [--tz ZONE]`.
    struct Activity: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Events and distinct users per local hour, day or ISO week; every bucket listed."
        )

        @Option(help: "The start of the range, RFC 3339; rounded down to its bucket.")
        var from: TimeArgument

        @Option(help: "The end of the range (excluded), RFC 3339.")
        var to: TimeArgument

        @Option(help: "The bucket: hour, day or week (ISO, Monday start).")
        var bucket: ActivityReport.Bucket = .hour

        @Option(help: "The IANA time zone the buckets follow.")
        var tz = "UTC"

        @OptionGroup var output: OutputOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let report = try await global.withMigratedClient(as: .read) { client, logger in
                try await ActivityReport.run(
                    from: from.microseconds,
                    to: to.microseconds,
                    bucket: bucket,
                    timeZone: tz,
                    client: client,
                    logger: logger
                )
            }
            output.print(json: report.json, table: report.table)
        }
    }
}

extension ReportCommand {
    /// `presence report sessions --from T --to T [--gap 30m] [--tz ZONE]`.
    struct Sessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Session count, mean, percentiles and duration histogram of the sessions that start in a range."
        )

        @Option(help: "The start of the range, RFC 3339.")
        var from: TimeArgument

        @Option(help: "The end of the range (excluded), RFC 3339.")
        var to: TimeArgument

        @Option(help: "The session gap: 90s, 5m, 2h, 7d. With the projector's gap the projection answers.")
        var gap = DurationArgument(seconds: 1_800)

        @Option(help: "The IANA time zone (checked; the range is absolute).")
        var tz = "UTC"

        @OptionGroup var output: OutputOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let report = try await global.withMigratedClient(as: .read) { client, logger in
                try await TimeZoneCheck.resolve(tz, client: client, logger: logger)
                return try await SessionsReport.run(
                    from: from.microseconds,
                    to: to.microseconds,
                    gapSeconds: gap.seconds,
                    client: client,
                    logger: logger
                )
            }
            output.print(json: report.json, table: report.table)
        }
    }

    /// `presence report active-users --from T --to T [--tz ZONE]`.
    struct ActiveUsers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "active-users",
            abstract: "DAU, WAU, MAU and stickiness for each local day of a range."
        )

        @Option(help: "The start of the range, RFC 3339 (its local day is included).")
        var from: TimeArgument

        @Option(help: "The end of the range (excluded), RFC 3339.")
        var to: TimeArgument

        @Option(help: "The IANA time zone the days follow.")
        var tz = "UTC"

        @OptionGroup var output: OutputOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let report = try await global.withMigratedClient(as: .read) { client, logger in
                try await ActiveUsersReport.run(
                    from: from.microseconds,
                    to: to.microseconds,
                    timeZone: tz,
                    client: client,
                    logger: logger
                )
            }
            output.print(json: report.json, table: report.table)
        }
    }
}

extension ReportCommand {
    /// `presence report hour-by-weekday --from T --to T [--tz ZONE]`.
    struct HourByWeekday: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hour-by-weekday",
            abstract: "Events and distinct users per local hour of day and ISO weekday: the weekly rhythm."
        )

        @Option(help: "The start of the range, RFC 3339; rounded down to its hour.")
        var from: TimeArgument

        @Option(help: "The end of the range (excluded), RFC 3339.")
        var to: TimeArgument

        @Option(help: "The IANA time zone the hours and weekdays follow.")
        var tz = "UTC"

        @OptionGroup var output: OutputOptions
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let report = try await global.withMigratedClient(as: .read) { client, logger in
                try await HourByWeekdayReport.run(
                    from: from.microseconds,
                    to: to.microseconds,
                    timeZone: tz,
                    client: client,
                    logger: logger
                )
            }
            output.print(json: report.json, table: report.table)
        }
    }

    /// `presence report all --from T --to T --out DIR`.
    struct All: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every report as CSV and JSON, and one self-contained HTML page with charts, into a folder.",
            discussion: """
                Writes activity, hour-by-weekday, sessions, active-users and online (as of --at) as                 NAME.csv and NAME.json, and index.html, which needs no network to show.
                """
        )

        @Option(help: "The start of the range, RFC 3339.")
        var from: TimeArgument

        @Option(help: "The end of the range (excluded), RFC 3339.")
        var to: TimeArgument

        @Option(help: ArgumentHelp("The folder to write into; made when missing.", valueName: "folder"))
        var out: String

        @Option(help: "The IANA time zone of buckets, hours and days.")
        var tz = "UTC"

        @Option(help: "The activity bucket: hour, day or week (default: by the range's length).")
        var bucket: ActivityReport.Bucket?

        @Option(help: "The session gap: 90s, 5m, 2h, 7d.")
        var gap = DurationArgument(seconds: 1_800)

        @Option(help: "The moment of the online list, RFC 3339 (default: now).")
        var at: TimeArgument?

        @Option(help: "How recent a last seen counts as online.")
        var threshold = DurationArgument(seconds: 300)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let now = SeenEvent.microsecondsNow()
            var configuration = ReportSet.Configuration(from: from.microseconds, to: to.microseconds, onlineAt: at?.microseconds ?? now)
            configuration.timeZone = tz
            configuration.bucket = bucket
            configuration.gapSeconds = gap.seconds
            configuration.onlineThresholdSeconds = threshold.seconds
            let reports = try await global.withMigratedClient(as: .read) { client, logger in
                try await ReportSet.run(configuration: configuration, client: client, logger: logger)
            }
            let written = try reports.write(toFolder: out)
            print("wrote \(written.count) files to \(out); open \(written.last ?? "index.html")")
        }
    }
}

extension ActivityReport.Bucket: ExpressibleByArgument {}
