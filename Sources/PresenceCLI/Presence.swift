import ArgumentParser
import PresenceReports

/// The `presence` command: event-sourced presence analytics on PostgreSQL.
@main
struct Presence: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presence",
        abstract: "Record who was seen when, and answer who is online, when each user was last seen, and how the site is used.",
        discussion: """
            Every command reaches PostgreSQL through --database-url, else the environment \
            variable of its role (PRESENCE_INGEST_DATABASE_URL for ingest and simulate, \
            PRESENCE_PROJECTOR_DATABASE_URL for project, PRESENCE_READ_DATABASE_URL for the \
            queries and reports), else DATABASE_URL, else a private embedded server in \
            .presence/ (or $PRESENCE_DATA_DIR) that it starts on first use. migrate and \
            retention use the log's owner: --database-url or DATABASE_URL.
            """,
        subcommands: [
            MigrateCommand.self, IngestCommand.self, SimulateCommand.self, ProjectCommand.self, RetentionCommand.self, OnlineReport.command,
            LocationsReport.command, ViewersReport.command,
            LastSeenReport.command, HistoryReport.command, ReportCommand.self, HideCommand.self, UnhideCommand.self, EraseCommand.self,
            ServeCommand.self, DemoCommand.self, EmbeddedCommand.self,
        ]
    )

    /// Runs the command as ArgumentParser does, wording the library's errors for the command
    /// line (``CommandError/init(wording:)``).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: CommandError(wording: error) ?? error)
        }
    }
}
