import PresenceModel
import PresenceReports
import Testing

@Suite("Report parameters read from text")
struct ReportArgumentsTests {
    static let now = Timestamp(rfc3339: "2026-12-01T12:00:00Z")!

    @Test("given texts are read by kind, and the parameters not given take their defaults")
    func defaults() throws {
        let online = try ReportArguments([:], for: OnlineReport.parameters, now: Self.now)
        #expect(try online.time("at") == Self.now)
        #expect(try online.duration("threshold") == .seconds(300))
        let history = try ReportArguments(["user": "alice", "to": "2026-11-30T00:00:00+01:00"], for: HistoryReport.parameters)
        #expect(try history.text("user") == "alice")
        #expect(try history.time("from") == .earliest)
        #expect(try history.time("to") == Timestamp(rfc3339: "2026-11-29T23:00:00Z"))
        let activity = try ReportArguments(["from": "2026-11-29T00:00:00Z", "to": "2026-11-30T00:00:00Z"], for: ActivityReport.parameters)
        #expect(try activity.text("bucket") == "hour")
        #expect(try activity.text("tz") == "UTC")
        let sessions = try ReportArguments(
            ["from": "2026-11-29T00:00:00Z", "to": "2026-11-30T00:00:00Z", "gap": "2h"],
            for: SessionsReport.parameters
        )
        #expect(try sessions.duration("gap") == .seconds(7_200))
    }

    @Test("a missing parameter, a bad value, and a time outside the years 0001 to 9999 name the parameter")
    func problems() {
        let cases: [([String: String], String, ReportArguments.Problem.Kind)] = [
            (["to": "2026-11-30T00:00:00Z"], "from", .missing),
            (["from": "yesterday", "to": "2026-11-30T00:00:00Z"], "from", .invalid("yesterday")),
            (["from": "2026-11-29T00:00:00Z", "to": "10000-01-01T00:00:00Z"], "to", .invalid("10000-01-01T00:00:00Z")),
            (["from": "2026-11-29T00:00:00Z", "to": "2026-11-30T00:00:00Z", "gap": "0m"], "gap", .invalid("0m")),
        ]
        for (texts, name, kind) in cases {
            #expect(throws: ReportArguments.Problem.self) {
                try ReportArguments(texts, for: SessionsReport.parameters)
            }
            do {
                _ = try ReportArguments(texts, for: SessionsReport.parameters)
            } catch {
                #expect(error.parameter.name == name && error.kind == kind, "\(texts)")
            }
        }
        let bucket = #expect(throws: ReportArguments.Problem.self) {
            try ReportArguments(["from": "2026-11-29T00:00:00Z", "to": "2026-11-30T00:00:00Z", "bucket": "month"], for: ActivityReport.parameters)
        }
        #expect(bucket?.parameter == ActivityReport.bucketParameter)
    }

    @Test("a report asking for a parameter it does not declare is an error, not a trap")
    func undeclared() throws {
        let arguments = try ReportArguments([:], for: OnlineReport.parameters, now: Self.now)
        let error = #expect(throws: ReportError.self) { try arguments.text("user") }
        #expect(error?.code == .unknownParameter)
    }

    @Test("the query string name of as-of is as_of")
    func queryNames() {
        #expect(LastSeenReport.parameters.map(\.queryName) == ["user", "as_of"])
    }
}
