import ArgumentParser
import PresenceModel
import PresenceReports
import PresenceStore

/// `presence report …`: the analytics reports.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print an analytics report of a time range.",
        subcommands: [Activity.self, Sessions.self, ActiveUsers.self]
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
            let report = try await global.withMigratedClient { client, logger in
                return try await ActivityReport.run(
                    from: from.microseconds, to: to.microseconds, bucket: bucket, timeZone: tz, client: client, logger: logger)
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
            let report = try await global.withMigratedClient { client, logger in
                try await TimeZoneCheck.require(tz, client: client, logger: logger)
                return try await SessionsReport.run(
                    from: from.microseconds, to: to.microseconds, gapSeconds: gap.seconds, client: client, logger: logger)
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
            let report = try await global.withMigratedClient { client, logger in
                return try await ActiveUsersReport.run(
                    from: from.microseconds, to: to.microseconds, timeZone: tz, client: client, logger: logger)
            }
            output.print(json: report.json, table: report.table)
        }
    }
}

extension ActivityReport.Bucket: ExpressibleByArgument {}
