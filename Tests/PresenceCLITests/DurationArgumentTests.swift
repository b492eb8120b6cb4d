import ArgumentParser
import Testing

@testable import PresenceCLI

/// DESIGN.md, "Command line": durations are a whole number and a unit, `90s`, `5m`, `2h`, `7d`.
@Suite("Durations on the command line")
struct DurationArgumentTests {
    @Test(
        "90s, 5m, 2h, 7d, and the longest, 100 years",
        arguments: [("90s", 90), ("5m", 300), ("2h", 7_200), ("7d", 604_800), ("36500d", 3_153_600_000)] as [(String, Int64)]
    )
    func accepted(_ text: String, _ seconds: Int64) {
        #expect(DurationArgument(argument: text)?.duration == .seconds(seconds))
    }

    /// Zero; an unknown or upper-case unit; a sign; no unit; no number; a fraction; spaces;
    /// non-ASCII digits; more than 100 years (36500 days = 876000 hours), and more than Int64.
    static let badDurations = [
        "0m", "5x", "5M", "-5m", "+5m", "5", "m", "", "1.5h", "5 m", " 5m", "٥m", "36501d", "876001h",
        "99999999999999999999s",
    ]

    @Test("refused: 0m, 5x, -5m, 5, huge, and other near misses", arguments: badDurations)
    func refused(_ text: String) {
        #expect(DurationArgument(argument: text) == nil)
    }

    @Test("a bad --gap fails parsing with one line naming the option and the value, exit status 64", arguments: ["0m", "5x", "5", "36501d"])
    func badGap(_ text: String) throws {
        let failure = try #require(
            CommandLine.parseFailure([
                "report", "sessions", "--from", "2026-11-29T00:00:00Z", "--to", "2026-11-30T00:00:00Z", "--gap", text,
            ])
        )
        #expect(failure.message == "The value '\(text)' is invalid for '--gap <gap>'")
        #expect(failure.firstLine == "Error: " + failure.message)
        #expect(failure.exitCode == ExitCode.validationFailure.rawValue)
    }

    @Test("a negative --threshold is refused, whether it reads as an option or as a value")
    func negativeThreshold() throws {
        // Apart, -5m looks like an option to ArgumentParser, so --threshold has no value.
        let separate = try #require(CommandLine.parseFailure(["online", "--threshold", "-5m"]))
        #expect(separate.message == "Missing value for '--threshold <threshold>'")
        #expect(separate.exitCode == ExitCode.validationFailure.rawValue)
        let joined = try #require(CommandLine.parseFailure(["online", "--threshold=-5m"]))
        #expect(joined.message == "The value '-5m' is invalid for '--threshold <threshold>'")
    }
}
