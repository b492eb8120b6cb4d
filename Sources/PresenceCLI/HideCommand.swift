import ArgumentParser
import PresenceStore

/// `presence hide USER`: lists that name users to others leave the user out (DESIGN.md,
/// "Hidden user").
struct HideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hide",
        abstract: "Hide a user: online, presence at a location, viewers and the HTTP API's last seen and history leave them out.",
        discussion: """
            Counts and aggregates still count them, and the operator's last-seen and history \
            still answer, saying that the user is hidden. Run it as the log's owner or a role \
            granted presence_privacy (PRESENCE_PRIVACY_DATABASE_URL).
            """
    )

    @Argument(help: "The user.")
    var user: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let hidden = try await global.withMigratedClient(as: .privacy) { client, logger in
            try await Privacy.hide(user, client: client, logger: logger)
        }
        print(hidden ? "hid \(user)" : "\(user) was hidden already")
    }
}
