import ArgumentParser
import Foundation
import Testing

@testable import PresenceCLI

/// Bad input that only the database can judge, through the commands as `presence` runs them:
/// one sentence on standard error (`Error: …`, no usage text), exit status 1.
@Suite("Report command errors", .sharedDatabase)
struct ReportCommandErrorTests {
    /// Runs `arguments` against the suite's migrated, empty database.
    func run(_ arguments: [String]) async throws -> CommandLine.Failure? {
        let url = try #require(SharedDatabase.url)
        return await CommandLine.runFailure(arguments + ["--database-url", url])
    }

    static let range = ["--from", "2026-11-29T00:00:00Z", "--to", "2026-11-30T00:00:00Z"]
    static let unknownZone =
        #"Error: The time zone "Mars/Olympus" is unknown: use an IANA name such as UTC, Europe/Berlin or America/New_York."#

    /// Unknown, empty, padded, a path, SQL, an offset, a folder, 10,000 letters, a line break.
    static let badZones = [
        "Mars/Olympus", "", "Europe/Berlin ", "../../../../etc/passwd", "UTC'; DROP TABLE seen_events; --", "+05:00",
        "Europe/", String(repeating: "A", count: 10_000), "Europe/Berlin\nUTC",
    ]

    @Test(
        "an unknown --tz is one sentence, for each report that takes one",
        arguments: [
            ["report", "activity"], ["report", "sessions"], ["report", "active-users"], ["report", "hour-by-weekday"], ["report", "concurrency"],
            ["report", "lifecycle"], ["report", "retention"], ["report", "all"],
        ]
    )
    func unknownTimeZone(_ command: [String]) async throws {
        let out =
            command.last == "all" ? ["--out", FileManager.default.temporaryDirectory.appending(path: "presence-\(UUID().uuidString)").path] : []
        for zone in Self.badZones {
            let failure = try #require(try await run(command + Self.range + ["--tz", zone] + out), "--tz \(zone.prefix(40))")
            if zone == "Mars/Olympus" { #expect(failure.fullMessage == Self.unknownZone) }
            #expect(failure.fullMessage.hasPrefix("Error: The time zone \""))
            #expect(failure.fullMessage.hasSuffix("\" is unknown: use an IANA name such as UTC, Europe/Berlin or America/New_York."))
            #expect(!failure.fullMessage.contains("\n"), "one line")
            #expect(failure.exitCode == ExitCode.failure.rawValue)
        }
        #expect(try await run(command + Self.range + ["--tz", "Asia/Kathmandu"] + out) == nil)
    }

    @Test(
        "--from equal to --to is one sentence, for each command of a range",
        arguments: [["report", "activity"], ["report", "sessions"], ["report", "active-users"], ["history", "alice"]]
    )
    func emptyRange(_ command: [String]) async throws {
        let failure = try #require(
            try await run(command + ["--from", "2026-11-29T10:00:00Z", "--to", "2026-11-29T11:00:00+01:00"])
        )
        #expect(failure.fullMessage == "Error: The range is empty: --from must be before --to.")
        #expect(failure.exitCode == ExitCode.failure.rawValue)
    }

    @Test("history of a user never seen is an error; last-seen of one succeeds (and prints null)")
    func unknownUser() async throws {
        let history = try #require(try await run(["history", "carol", "--format", "json"]))
        #expect(history.fullMessage == #"Error: No events of the user "carol" have been projected: check the name, or let the projector catch up."#)
        #expect(history.exitCode == ExitCode.failure.rawValue)
        #expect(try await run(["last-seen", "carol", "--as-of", "2026-11-29T10:00:00Z", "--format", "json"]) == nil)
    }

    @Test("hide, unhide and erase refuse a user no event can have in one sentence, and succeed for one never seen")
    func privacyCommands() async throws {
        for command in ["hide", "unhide", "erase"] {
            let failure = try #require(try await run([command, String(repeating: "x", count: 257)]), "\(command)")
            #expect(failure.fullMessage.hasPrefix("Error: The user \"xxx"), "\(failure.fullMessage)")
            #expect(failure.fullMessage.hasSuffix("cannot be one: a user has 1 to 256 bytes of UTF-8 and no NUL."))
            #expect(failure.exitCode == 1)
            #expect(try await run([command, "nobody-\(UUID().uuidString)"]) == nil, "\(command)")
        }
    }
}
