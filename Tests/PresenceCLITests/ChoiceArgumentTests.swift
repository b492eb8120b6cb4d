import ArgumentParser
import Testing

@testable import PresenceCLI

/// Options with a fixed set of values, and required options left out.
@Suite("Choices and required options on the command line")
struct ChoiceArgumentTests {
    @Test("an unknown --bucket or --format is refused with the values it may take")
    func unknownChoice() throws {
        let bucket = try #require(
            CommandLine.parseFailure([
                "report", "activity", "--from", "2026-11-29T00:00:00Z", "--to", "2026-11-30T00:00:00Z", "--bucket", "month",
            ])
        )
        #expect(bucket.message == "The value 'month' is invalid for '--bucket <bucket>'. Please provide one of 'hour', 'day' or 'week'.")
        #expect(bucket.exitCode == ExitCode.validationFailure.rawValue)
        let format = try #require(CommandLine.parseFailure(["online", "--format", "xml"]))
        #expect(format.message == "The value 'xml' is invalid for '--format <format>'. Please provide one of 'table', 'csv', 'json' or 'md'.")
    }

    @Test("a report without --from says which option is missing")
    func missingFrom() throws {
        let failure = try #require(CommandLine.parseFailure(["report", "sessions", "--to", "2026-11-30T00:00:00Z"]))
        #expect(failure.message == "Missing expected argument '--from <from>'")
        #expect(failure.firstLine == "Error: " + failure.message)
        #expect(failure.exitCode == ExitCode.validationFailure.rawValue)
    }
}
