import ArgumentParser
import PresenceStore

/// `presence erase USER`: deletes every trace of a user (DESIGN.md, "Erased user").
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase a user: their events in every partition of the log and every trace in the projections.",
        discussion: """
            Afterwards the projections equal a rebuild of what is left; only the number of \
            events erased and the time are kept, never the user. Events of the user that \
            arrive afterwards are new. Run it as the log's owner or a role granted \
            presence_privacy (PRESENCE_PRIVACY_DATABASE_URL).
            """
    )

    @Argument(help: "The user.")
    var user: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let erasure = try await global.withMigratedClient(as: .privacy) { client, logger in
            try await Privacy.erase(user, client: client, logger: logger)
        }
        print("erased \(user): \(erasure.events) event\(erasure.events == 1 ? "" : "s") of the log, and every trace in the projections")
    }
}
