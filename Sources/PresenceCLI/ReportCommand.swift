import ArgumentParser
import PresenceModel
import PresenceReports
import PresenceStore

/// `presence report …`: the analytics reports.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print an analytics report of a time range.",
        subcommands: ReportCatalog.ranges.map { $0.command } + [All.self]
    )

    /// `presence report all --from T --to T --out DIR`.
    struct All: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every report as CSV and JSON, and one self-contained HTML page with charts, into a folder.",
            discussion: """
                Writes activity, hour-by-weekday, sessions, active-users and online (as of --at) as                 NAME.csv and NAME.json, and index.html, which needs no network to show.
                """
        )

        @OptionGroup var range: RangeOptions

        @Option(help: ArgumentHelp("The folder to write into; made when missing.", valueName: "folder"))
        var out: String

        @Option(help: "The activity bucket: hour, day or week (default: by the range's length).")
        var bucket: ActivityReport.Bucket?

        @Option(help: "The session gap: 90s, 5m, 2h, 7d.")
        var gap = DurationArgument(PresenceDefaults.sessionGap)

        @Option(help: "The moment of the online list, RFC 3339 (default: now).")
        var at: TimeArgument?

        @Option(help: "How recent a last seen counts as online.")
        var threshold = DurationArgument(PresenceDefaults.onlineThreshold)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let now = Timestamp.now
            var configuration = ReportSet.Configuration(
                from: range.from.time,
                to: range.to.time,
                onlineAt: at?.time ?? now
            )
            configuration.timeZone = range.tz
            configuration.bucket = bucket
            configuration.gap = gap.duration
            configuration.onlineThreshold = threshold.duration
            let reports = try await global.withMigratedClient(as: .read) { client, logger in
                try await ReportSet.run(configuration: configuration, client: client, logger: logger)
            }
            let written = try reports.write(toFolder: out)
            print("wrote \(written.count) files to \(out); open \(written.last ?? "index.html")")
        }
    }
}

extension ActivityReport.Bucket: ExpressibleByArgument {}
