import ArgumentParser
import PresenceModel
import Testing

@testable import PresenceCLI

/// DESIGN.md, "Command line": times are RFC 3339 (`2026-11-29T10:00:00Z`, offsets allowed).
@Suite("Times on the command line")
struct TimeArgumentTests {
    @Test(
        "RFC 3339 with Z, an offset, a fraction; the first and last microseconds of years 0001 to 9999",
        arguments: [
            ("2026-11-29T10:00:00Z", "2026-11-29T10:00:00Z"),
            ("2026-11-29T11:00:00+01:00", "2026-11-29T10:00:00Z"),
            ("2026-11-29T04:15:00.5-05:45", "2026-11-29T10:00:00.500000Z"),
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
            ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"),
        ]
    )
    func accepted(_ text: String, _ utc: String) {
        #expect(TimeArgument(argument: text)?.time.rfc3339 == utc)
    }

    /// Not RFC 3339: a date alone, no offset, no seconds, a word, a Unix time. Out of range: a
    /// 13th month, 29 February 2026, 31 November, hour 24, minute 60, an offset of 24 hours,
    /// and times outside the years 0001 to 9999 in UTC (PostgreSQL has no year 0).
    static let badTimes = [
        "2026-11-29", "2026-11-29T10:00:00", "2026-11-29T10:00Z", "now", "1796032800",
        "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-29T24:00:00Z",
        "2026-11-29T10:60:00Z", "2026-11-29T10:00:00+24:00",
        "0000-12-31T23:59:59Z", "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01",
    ]

    @Test("refused: not RFC 3339, or a date or time out of range", arguments: badTimes)
    func refused(_ text: String) {
        #expect(TimeArgument(argument: text) == nil)
    }

    @Test(
        "a bad --from fails parsing with one line naming the option and the value, exit status 64",
        arguments: ["2026-11-29", "2026-02-29T00:00:00Z", "0000-12-31T23:59:59Z"]
    )
    func badFrom(_ text: String) throws {
        let failure = try #require(
            CommandLine.parseFailure(["report", "activity", "--from", text, "--to", "2026-11-30T00:00:00Z"])
        )
        #expect(failure.message == "The value '\(text)' is invalid for '--from <from>'")
        #expect(failure.firstLine == "Error: " + failure.message)
        #expect(failure.exitCode == ExitCode.validationFailure.rawValue)
    }

    @Test("a bad --as-of and --at fail parsing too")
    func badMoments() throws {
        let asOf = try #require(CommandLine.parseFailure(["last-seen", "alice", "--as-of", "yesterday"]))
        #expect(asOf.message == "The value 'yesterday' is invalid for '--as-of <as-of>'")
        let at = try #require(CommandLine.parseFailure(["online", "--at", "2026-11-29 10:00"]))
        #expect(at.message == "The value '2026-11-29 10:00' is invalid for '--at <at>'")
    }
}
