import ArgumentParser
import PresenceModel
import PresenceReports
import PresenceStore

/// `presence online [--at T] [--threshold 5m]`.
struct OnlineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "online",
        abstract: "List the users online at a moment, most recent first, with last seen and location."
    )

    @Option(help: "The moment, RFC 3339 (default: now).")
    var at: TimeArgument?

    @Option(help: "How recent a last seen counts as online: 90s, 5m, 2h, 7d.")
    var threshold = DurationArgument(PresenceDefaults.onlineThreshold)

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.print(output) { client, logger in
            try await OnlineReport.run(
                at: at?.time ?? Timestamp.now,
                threshold: threshold.duration,
                client: client,
                logger: logger
            )
        }
    }
}

/// `presence last-seen USER [--as-of T]`.
struct LastSeenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "last-seen",
        abstract: "Say when a user was last seen as of a moment, and where (null when never)."
    )

    @Argument(help: "The user.")
    var user: String

    @Option(name: .customLong("as-of"), help: "The moment, RFC 3339 (default: now).")
    var asOf: TimeArgument?

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.print(output) { client, logger in
            try await LastSeenReport.run(
                user: user,
                asOf: asOf?.time ?? Timestamp.now,
                client: client,
                logger: logger
            )
        }
    }
}

/// `presence history USER [--from T] [--to T]`.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List a user's sessions that start in a range, oldest first."
    )

    @Argument(help: "The user.")
    var user: String

    @Option(help: "The start of the range, RFC 3339 (default: the beginning).")
    var from: TimeArgument?

    @Option(help: "The end of the range, excluded, RFC 3339 (default: the end of time).")
    var to: TimeArgument?

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await global.print(output) { client, logger in
            try await HistoryReport.run(
                user: user,
                from: from?.time ?? Timestamp.earliest,
                to: to?.time ?? Timestamp.latest,
                client: client,
                logger: logger
            )
        }
    }
}
