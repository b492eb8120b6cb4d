import ArgumentParser
import Foundation
import PresenceStore
import PresenceTestSupport
import Testing

@testable import PresenceCLI

/// Runs `presence` in process, as its `main()` would, and keeps what it would print on failure.
enum CommandLine {
    /// How a command line failed: what `presence` prints on standard error, and its exit status.
    struct Failure: Sendable {
        /// ArgumentParser's message, without the `Error: ` prefix and the usage text.
        var message: String
        /// All that is printed on standard error.
        var fullMessage: String
        /// The exit status.
        var exitCode: Int32

        init(_ error: any Error) {
            let error = CommandError(wording: error) ?? error
            message = Presence.message(for: error)
            fullMessage = Presence.fullMessage(for: error)
            exitCode = Presence.exitCode(for: error).rawValue
        }

        /// The first line printed: `Error: ` and the message.
        var firstLine: Substring { fullMessage.split(separator: "\n", omittingEmptySubsequences: false)[0] }
    }

    /// Parses `arguments` as `presence`'s command line; `nil` when they parse.
    static func parseFailure(_ arguments: [String]) -> Failure? {
        do {
            _ = try Presence.parseAsRoot(arguments)
            return nil
        } catch {
            return Failure(error)
        }
    }

    /// Parses and runs `arguments` as `presence` does; `nil` when the command succeeds.
    static func runFailure(_ arguments: [String]) async -> Failure? {
        do {
            var command = try Presence.parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            return nil
        } catch {
            return Failure(error)
        }
    }

    /// The `--database-url` of a test database (the settings' description hides the password).
    static func databaseURL(_ settings: ConnectionSettings) -> String {
        guard let password = settings.password, var components = URLComponents(string: settings.description) else {
            return settings.description
        }
        components.password = password
        return components.string ?? settings.description
    }
}

/// A suite trait: one fresh, migrated, empty database for all the commands of a suite, which
/// only read it (fewer databases dropped means fewer forced checkpoints holding back the
/// read horizon of the tests beside them).
struct SharedDatabase: SuiteTrait, TestScoping {
    /// The `--database-url` of the database of the suite running.
    @TaskLocal static var url: String?

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh { _, settings in
            try await Self.$url.withValue(CommandLine.databaseURL(settings)) { try await function() }
        }
    }
}

extension Trait where Self == SharedDatabase {
    /// One fresh, migrated database for the suite; its URL is ``SharedDatabase/url``.
    static var sharedDatabase: Self { SharedDatabase() }
}
