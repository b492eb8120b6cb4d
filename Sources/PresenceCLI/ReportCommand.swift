import ArgumentParser
import PresenceModel
import PresenceReports
import PresenceStore

/// `presence report …`: the analytics reports.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print an analytics report of a time range.",
        subcommands: [Activity.self]
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
            let logger = global.makeLogger()
            let settings = try await global.connectionSettings(logger: logger)
            let report = try await settings.withClient(logger: logger) { client in
                try await EventLog.requireMigrated(client, logger: logger)
                return try await ActivityReport.run(
                    from: from.microseconds, to: to.microseconds, bucket: bucket, timeZone: tz, client: client, logger: logger)
            }
            output.print(json: report.json, table: report.table)
        }
    }
}

extension ActivityReport.Bucket: ExpressibleByArgument {}
