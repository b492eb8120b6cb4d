import ArgumentParser
import PresenceStore

/// `presence unhide USER`: shows a hidden user again.
struct UnhideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unhide",
        abstract: "Show a hidden user again in the lists that name users to others.",
        discussion: "Run it as the log's owner or a role granted presence_privacy (PRESENCE_PRIVACY_DATABASE_URL)."
    )

    @Argument(help: "The user.")
    var user: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let shown = try await global.withMigratedClient(as: .privacy) { client, logger in
            try await Privacy.unhide(user, client: client, logger: logger)
        }
        print(shown ? "\(user) is shown again" : "\(user) was not hidden")
    }
}
