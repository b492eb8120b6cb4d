import ArgumentParser
import Foundation
import PostgresNIO
import PresenceStore
import PresenceTestSupport
import Testing

@testable import PresenceCLI

/// DESIGN.md, "Command line": times are RFC 3339, durations like `90s`, `5m`, `2h`, `7d`,
/// time zones IANA names; errors are one sentence with a non-zero exit status. Here every
/// option of every command that takes one gets values that are malformed or out of range.
/// `TimeArgumentTests`, `DurationArgumentTests` and `ReportCommandErrorTests` check the
/// messages in detail on one command each.
@Suite("Malformed and out-of-range times, durations and zones on every command")
struct EveryCommandArgumentTests {
    static let range = ["--from": "2026-11-29T00:00:00Z", "--to": "2026-11-30T00:00:00Z"]
    static let folder = FileManager.default.temporaryDirectory.appending(path: "presence-cli-\(UUID().uuidString)").path

    /// Every command, the options it needs, and its options that take a time or a duration.
    static let commands: [(command: [String], required: [String: String], times: [String], durations: [String])] = [
        (["online"], [:], ["--at"], ["--threshold"]),
        (["locations"], [:], ["--at"], ["--threshold"]),
        (["viewers", "/profile/alice"], ["--from": "2026-11-29T00:00:00Z"], ["--from", "--to"], []),
        (["last-seen", "alice"], [:], ["--as-of"], []),
        (["history", "alice"], [:], ["--from", "--to"], []),
        (["report", "activity"], range, ["--from", "--to"], []),
        (["report", "sessions"], range, ["--from", "--to"], ["--gap"]),
        (["report", "active-users"], range, ["--from", "--to"], []),
        (["report", "hour-by-weekday"], range, ["--from", "--to"], []),
        (["report", "concurrency"], range, ["--from", "--to"], ["--threshold"]),
        (["report", "lifecycle"], range, ["--from", "--to"], []),
        (["report", "retention"], range, ["--from", "--to", "--as-of"], []),
        (["report", "all"], range.merging(["--out": folder]) { $1 }, ["--from", "--to", "--at"], ["--gap", "--threshold"]),
        (["simulate"], ["--output": folder + "/events.jsonl"], ["--end"], []),
    ]

    /// The command line with `option` set to `value` (as `--option=value`, so that a value
    /// starting with a minus is not read as an option).
    static func line(_ command: [String], _ required: [String: String], _ option: String, _ value: String) -> [String] {
        var options = required
        options[option] = value
        return command + options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    static var timeCases: [([String], String)] {
        commands.flatMap { entry in entry.times.map { (entry.command, $0) } }
    }

    static var durationCases: [([String], String)] {
        commands.flatMap { entry in entry.durations.map { (entry.command, $0) } }
    }

    /// Not RFC 3339: a date alone, no offset, words, Unix time, trailing text, a space,
    /// non-ASCII digits, an offset without minutes. Out of range: 29 February 2026, hour 24,
    /// second 61, an offset of 24 hours, the year 0000, the year 10000, a year of 11 digits,
    /// and times that leave the years 0001 to 9999 in UTC only by their offset.
    static let badTimes = [
        "2026-11-29", "2026-11-29T10:00:00", "yesterday", "now", "1796032800", "2026-11-29T10:00:00ZZ",
        " 2026-11-29T10:00:00Z", "２０２６-11-29T10:00:00Z", "2026-11-29T10:00:00+01", "2026-11-29T10:00:00Z; DROP TABLE seen_events",
        "2026-02-29T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T10:00:61Z", "2026-11-29T10:00:00+24:00",
        "0000-12-31T23:59:59Z", "10000-01-01T00:00:00Z", "99999999999-01-01T00:00:00Z",
        "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01",
    ]

    @Test("every time option of every command refuses malformed and out-of-range times, naming the option", arguments: timeCases)
    func badTimes(_ command: [String], _ option: String) throws {
        let required = try #require(Self.commands.first { $0.command == command }).required
        for value in Self.badTimes {
            let failure = try #require(CommandLine.parseFailure(Self.line(command, required, option, value)), "\(command) \(option)=\(value)")
            #expect(failure.message == "The value '\(value)' is invalid for '\(option) <\(option.dropFirst(2))>'")
            #expect(failure.firstLine == "Error: " + failure.message)
            #expect(failure.exitCode == ExitCode.validationFailure.rawValue)
        }
        // The same option with a good time parses.
        #expect(CommandLine.parseFailure(Self.line(command, required, option, "2026-11-29T12:00:00+01:00")) == nil)
    }

    /// Zero, a sign, an unknown or upper-case unit, no unit, no number, a fraction, a space,
    /// ISO 8601, a word unit, non-ASCII digits, and over 100 years in every unit and Int64.
    static let badDurations = [
        "0m", "0s", "-5m", "+5m", "5x", "5M", "5", "m", "1.5h", "5 m", "PT5M", "5min", "٥m",
        "36501d", "876001h", "52560001m", "3153600001s", "99999999999999999999s",
    ]

    @Test("every duration option of every command refuses malformed and out-of-range durations, naming the option", arguments: durationCases)
    func badDurations(_ command: [String], _ option: String) throws {
        let required = try #require(Self.commands.first { $0.command == command }).required
        for value in Self.badDurations {
            let failure = try #require(CommandLine.parseFailure(Self.line(command, required, option, value)), "\(command) \(option)=\(value)")
            #expect(failure.message == "The value '\(value)' is invalid for '\(option) <\(option.dropFirst(2))>'")
            #expect(failure.exitCode == ExitCode.validationFailure.rawValue)
        }
        #expect(CommandLine.parseFailure(Self.line(command, required, option, "36500d")) == nil)
    }

    @Test("every --bucket refuses what is not hour, day or week", arguments: [["report", "activity"], ["report", "all"]])
    func badBuckets(_ command: [String]) throws {
        let required = try #require(Self.commands.first { $0.command == command }).required
        for value in ["month", "HOUR", "hours", "1h", "hour "] {
            let failure = try #require(CommandLine.parseFailure(Self.line(command, required, "--bucket", value)))
            #expect(failure.message.hasPrefix("The value '\(value)' is invalid for '--bucket <bucket>'"))
        }
    }

    @Test("retention's --users refuses a bad cohort start, a bad or negative N, and a missing one")
    func badCells() throws {
        let required = try #require(Self.commands.first { $0.command == ["report", "retention"] }).required
        for value in [
            "2026-11-29 1", "2026-11-29T00:00:00Z x", "2026-11-29T00:00:00Z 1.5", "2026-11-29T00:00:00Z 100001", "2026-11-29T00:00:00Z,1,2",
        ] {
            let failure = try #require(CommandLine.parseFailure(Self.line(["report", "retention"], required, "--users", value)), "\(value)")
            #expect(failure.message == "The value '\(value)' is invalid for '--users <cohort-start> <n>'")
            #expect(failure.exitCode == ExitCode.validationFailure.rawValue)
        }
        for value in ["2026-11-29T00:00:00Z,0", "2026-11-29T00:00:00+01:00,100000"] {
            #expect(CommandLine.parseFailure(Self.line(["report", "retention"], required, "--users", value)) == nil, "\(value)")
        }
    }

    @Test("simulate refuses an --end whose days leave the years 0001 to 9999, or lie ahead of the clock for the log")
    func simulatedRange() throws {
        let early = try #require(
            CommandLine.parseFailure(["simulate", "--end", "0001-01-02T00:00:00Z", "--days", "3", "--output", Self.folder + "/x.jsonl"])
        )
        #expect(early.message == "--end less --days lies before the year 0001: choose a later --end or fewer --days.")
        #expect(early.exitCode == ExitCode.validationFailure.rawValue)
        let future = try #require(CommandLine.parseFailure(["simulate", "--end", "9999-12-31T00:00:00Z"]))
        #expect(future.message.hasPrefix("--end lies in the future, and the log takes no events from the future"))
        #expect(CommandLine.parseFailure(["simulate", "--end", "0001-01-04T00:00:00Z", "--days", "3", "--output", Self.folder + "/x.jsonl"]) == nil)
        #expect(CommandLine.parseFailure(["simulate", "--end", "9999-12-31T00:00:00Z", "--output", Self.folder + "/x.jsonl"]) == nil)
    }
}

/// Values that parse but ask for too much, or that only the database can judge. (Unknown time
/// zones on every report: `ReportCommandErrorTests`.)
@Suite("Ranges too long to list, and demo's time zone", .sharedDatabase)
struct EveryReportCommandTests {
    func run(_ arguments: [String]) async throws -> CommandLine.Failure? {
        let url = try #require(SharedDatabase.url)
        return await CommandLine.runFailure(arguments + ["--database-url", url])
    }

    static let everything = ["--from", "0001-01-01T00:00:00Z", "--to", "9999-12-31T23:59:59.999999Z"]

    @Test("a report that would list more than 100,000 buckets or days is refused at once; the others take the years 0001 to 9999")
    func wholeRange() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let hours = try #require(try await run(["report", "activity"] + Self.everything))
        #expect(
            hours.fullMessage
                == "Error: The range holds 87649416 hours, more than the 100000 a report lists: choose a shorter range or a longer bucket."
        )
        #expect(hours.exitCode == ExitCode.failure.rawValue)
        let weeks = try #require(try await run(["report", "activity", "--bucket", "week"] + Self.everything))
        #expect(weeks.fullMessage.hasPrefix("Error: The range holds 521723 weeks, more than the 100000 a report lists: choose a shorter range."))
        let days = try #require(try await run(["report", "active-users"] + Self.everything))
        #expect(days.fullMessage == "Error: The range holds 3652059 days, more than the 100000 a report lists: choose a shorter range.")
        let all = try #require(try await run(["report", "all", "--out", EveryCommandArgumentTests.folder] + Self.everything))
        #expect(all.fullMessage.hasPrefix("Error: The range holds 521723 weeks"))
        #expect(clock.now - started < .seconds(60), "refused without computing anything")
        // Reports whose size depends on the events, not on the range, answer.
        #expect(try await run(["report", "sessions"] + Self.everything) == nil)
        #expect(try await run(["report", "hour-by-weekday", "--tz", "Pacific/Chatham"] + Self.everything) == nil)
        #expect(try await run(["online", "--at", "9999-12-31T23:59:59.999999Z", "--threshold", "36500d"]) == nil)
        #expect(try await run(["last-seen", "alice", "--as-of", "0001-01-01T00:00:00Z"]) == nil)
    }

    @Test("online at a location, the busiest locations and viewers run; a location or user no event can have and a limit of 0 are refused")
    func locations() async throws {
        #expect(try await run(["online", "--location", "/forum/", "--match", "prefix", "--format", "json"]) == nil)
        #expect(try await run(["locations", "--limit", "3"]) == nil)
        let long = try #require(try await run(["online", "--location", String(repeating: "x", count: 2_049)]))
        #expect(long.fullMessage.hasSuffix("cannot be one: a location has at most 2048 bytes of UTF-8 and no NUL."), "\(long.fullMessage)")
        #expect(long.exitCode == ExitCode.failure.rawValue)
        let limit = try #require(CommandLine.parseFailure(["locations", "--limit", "0"]))
        #expect(limit.message == "The value '0' is invalid for '--limit <limit>'")
        #expect(try await run(["viewers", "/profile/alice", "--from", "2026-11-29T00:00:00Z", "--exclude", "alice", "--limit", "5"]) == nil)
        let user = try #require(try await run(["viewers", "/profile/alice", "--from", "2026-11-29T00:00:00Z", "--exclude", "al\u{0}ice"]))
        #expect(user.fullMessage.hasSuffix("cannot be one: a user has at most 256 bytes of UTF-8 and no NUL."), "\(user.fullMessage)")
        let from = try #require(CommandLine.parseFailure(["viewers", "/profile/alice"]))
        #expect(from.message == "Missing expected argument '--from <from>'")
        let match = try #require(CommandLine.parseFailure(["online", "--location", "/a", "--match", "regex"]))
        #expect(match.message == "The value 'regex' is invalid for '--match <match>'. Please provide one of 'exact' or 'prefix'.")
    }

    @Test(
        "demo refuses an unknown --tz before it touches its database or simulates anything",
        .enabled(if: ProcessInfo.processInfo.environment["DATABASE_URL"]?.isEmpty ?? true, "demo runs on the embedded server only")
    )
    func demoZone() async throws {
        // The demo's database, as it is before: made afresh, it would get another oid.
        let server = try await TestDatabase.serverSettings().with(database: "postgres")
        func demoDatabase() async throws -> Int? {
            try await server.withClient(logger: TestDatabase.logger) { client in
                let rows = try await client.query(
                    "SELECT oid::int8 FROM pg_database WHERE datname = \(DemoCommand.database)",
                    logger: TestDatabase.logger
                ).collect()
                return try rows.first?.decode(Int.self)
            }
        }
        let before = try await demoDatabase()
        let failure = try #require(await CommandLine.runFailure(["demo", "--tz", "Mars/Olympus", "--users", "1", "--days", "1"]))
        #expect(failure.fullMessage == ReportCommandErrorTests.unknownZone)
        #expect(failure.exitCode == ExitCode.failure.rawValue)
        #expect(try await demoDatabase() == before, "the demo's database was left as it was")
    }
}
