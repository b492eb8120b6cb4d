import ArgumentParser
import PresenceReports
import Testing

@testable import PresenceCLI

/// Every report of the catalog is a `presence report` subcommand with its parameters, and no
/// code of its own in the command line.
@Suite("Reports as subcommands")
struct ReportSubcommandTests {
    /// A value for each required parameter of a report.
    static func required(_ parameters: [ReportParameter]) -> [String] {
        parameters.filter { $0.defaultValue == .required }.flatMap { parameter -> [String] in
            let value =
                switch parameter.kind {
                case .time: parameter.name == "to" ? "2026-11-30T00:00:00Z" : "2026-11-29T00:00:00Z"
                case .duration: "5m"
                case .choice(let words): words[0]
                case .zone: "UTC"
                case .text: "alice"
                case .count: "3"
                case .cell: "2026-11-29T00:00:00Z 0"
                }
            return parameter.isPositional ? [value] : ["--\(parameter.name)", value]
        }
    }

    @Test("every report of the catalog parses with its required parameters, as --name value and --name=value")
    func everyReportParses() throws {
        for report in ReportCatalog.ranges {
            let line = ["report", report.name] + Self.required(report.parameters)
            #expect(CommandLine.parseFailure(line) == nil, "\(line)")
            var joined: [String] = ["report", report.name]
            var pending = Self.required(report.parameters)[...]
            while let name = pending.popFirst(), let value = pending.popFirst() { joined.append("\(name)=\(value)") }
            #expect(CommandLine.parseFailure(joined) == nil, "\(joined)")
        }
    }

    @Test("a report refuses an option it does not have, a stray argument, a missing option and a value-less one, as ArgumentParser words it")
    func refusals() throws {
        let range = ["--from", "2026-11-29T00:00:00Z", "--to", "2026-11-30T00:00:00Z"]
        let cases: [([String], String)] = [
            (["report", "active-users"] + range + ["--bucket", "day"], "Unknown option '--bucket'"),
            (["report", "sessions"] + range + ["extra"], "Unexpected argument 'extra'"),
            (["report", "activity", "--from", "2026-11-29T00:00:00Z"], "Missing expected argument '--to <to>'"),
            (["report", "activity"] + range + ["--tz"], "Missing value for '--tz <tz>'"),
            (["report", "retention"] + range + ["--users", "2026-11-29T00:00:00Z"], "Missing value for '--users <cohort-start> <n>'"),
            (
                ["report", "retention"] + range + ["--users", "2026-11-29T00:00:00Z", "-1"],
                "Missing value for '--users <cohort-start> <n>'"
            ),
            (
                ["report", "retention"] + range + ["--users", "2026-11-29T00:00:00Z", "x"],
                "The value '2026-11-29T00:00:00Z x' is invalid for '--users <cohort-start> <n>'"
            ),
            (["last-seen"], "Missing expected argument '<user>'"),
            (["last-seen", "alice", "bob"], "Unexpected argument 'bob'"),
        ]
        for (line, message) in cases {
            let failure = try #require(CommandLine.parseFailure(line), "\(line)")
            #expect(failure.message == message)
            #expect(failure.exitCode == ExitCode.validationFailure.rawValue)
        }
    }

    @Test("help lists each parameter with its default, and a usage line with the whole command")
    func help() {
        let usage = ReportSubcommand<ActivityReport>.configuration.usage ?? ""
        #expect(usage == "presence report activity --from <from> --to <to> [--tz <tz>] [--bucket <bucket>] [<options>]")
        let discussion = ReportSubcommand<LastSeenReport>.configuration.discussion
        #expect(discussion == "PARAMETERS:\n  <user>           The user.\n  --as-of <as-of>  The moment, RFC 3339. (default: now)")
    }
}
