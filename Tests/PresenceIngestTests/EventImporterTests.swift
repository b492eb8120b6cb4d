import Foundation
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceTestSupport
import Testing

@Suite("Importing JSON Lines and CSV")
struct EventImporterTests {
    /// Writes `text` to a temporary file and imports it; returns the rejections and the statistics.
    func importText(
        _ text: String,
        format: EventImporter.Format,
        client: PostgresClient
    ) async throws -> ([EventImporter.Rejection], PresenceTracker.Statistics) {
        let path = FileManager.default.temporaryDirectory.appending(path: "presence-import-\(UUID().uuidString)").path
        try Data(text.utf8).write(to: URL(filePath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        var rejections: [EventImporter.Rejection] = []
        let statistics = try await withTracker(client: client) { tracker, _ in
            _ = try await EventImporter(format: format).run(input: handle, into: tracker) { rejections.append($0) }
        }
        return (rejections, statistics)
    }

    @Test("bad JSON lines are rejected with their number and reason; the good lines around them are stored")
    func badJSONLines() async throws {
        let future = RFC3339.format(Timestamp(Date()).microsecondsSince1970 + 3_600_000_000)
        let lines = [
            #"{"user":"alice","at":"2026-03-29T00:10:00Z","location":"/a"}"#,
            #"{"user":"bob","at":"2026-03-29T00:40:00Z""#,
            #"{"at":"2026-03-29T00:40:00Z"}"#,
            #"{"user":"carol","at":"yesterday"}"#,
            #"{"user":"dave","at":"\#(future)"}"#,
            #"{"user":"nul\u0000byte","at":"2026-03-29T00:40:00Z"}"#,
            #"{"user":"\#(String(repeating: "x", count: 257))","at":"2026-03-29T00:40:00Z"}"#,
            #"{"user":"erin","at":"2026-03-29T00:40:00Z","location":"\#(String(repeating: "y", count: 2049))"}"#,
            #"{"user":42,"at":"2026-03-29T00:40:00Z"}"#,
            #"{"user":"frank","at":1774744800.5,"id":"not-a-uuid"}"#,
            #"["user","at"]"#,
            "",
            #"{"user":"grace","at":1774744800.25}"#,
            #"{"id":"0190e6a0-0000-7000-8000-000000000001","user":"tab\there","at":"2026-03-29T02:40:00+02:00","location":null}"#,
        ]
        try await TestDatabase.withFresh { client, _ in
            let (rejections, statistics) = try await importText(
                lines.joined(separator: "\n"),
                format: .jsonLines,
                client: client
            )
            #expect(rejections.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
            #expect(rejections.map(\.reason.code)[3] == .timeInFuture)
            #expect(
                rejections.map(\.reason.description).enumerated().filter { $0.offset != 3 }.map(\.element) == [
                    "the line is not valid JSON",
                    "the field 'user' is missing",
                    "the time 'yesterday' is neither an RFC 3339 time nor Unix seconds",
                    "the user contains a NUL byte",
                    "the user is 257 bytes long, more than the limit of 256",
                    "the location is 2049 bytes long, more than the limit of 2048",
                    "the field 'user' has the wrong type",
                    "the id 'not-a-uuid' is not a UUID",
                    "the line is not a JSON object",
                ]
            )
            #expect(statistics.stored == 3)
            let stored = try await storedEvents(client)
            #expect(stored.map(\.user).sorted() == ["alice", "grace", "tab\there"])
            #expect(stored.first { $0.user == "grace" }?.at.microsecondsSince1970 == 1_774_744_800_250_000)
            #expect(stored.first { $0.user == "tab\there" }?.at.microsecondsSince1970 == 1_774_744_800_000_000)
        }
    }

    @Test("bad CSV records are rejected; quoted fields hold commas, quotes and line breaks")
    func csv() async throws {
        let text = """
            \u{FEFF}user,at,location,id
            alice,2026-03-29T00:10:00Z,/a,
            "bob, jr.",2026-03-29T00:40:00Z,"/say ""hi""
            over two lines",
            carol,2026-03-29T00:40:00Z
            dave,1774744800,,
            erin,2026-03-29T00:40:00Z,/x,0190e6a0-0000-7000-8000-00000000000z
            "unterminated,2026-03-29T00:40:00Z,/b,
            """
        try await TestDatabase.withFresh { client, _ in
            let (rejections, statistics) = try await importText(text, format: .csv, client: client)
            #expect(rejections.map(\.line) == [5, 7, 8])
            #expect(
                rejections.map(\.reason.description) == [
                    "the line has 2 fields, the header has 4",
                    "the id '0190e6a0-0000-7000-8000-00000000000z' is not a UUID",
                    "a quoted field is not closed",
                ]
            )
            #expect(statistics.stored == 3)
            let stored = try await storedEvents(client)
            #expect(stored.first { $0.user == "bob, jr." }?.location == "/say \"hi\"\nover two lines")
            #expect(stored.first { $0.user == "dave" }?.location == nil)
        }
    }

    @Test("a CSV header without user and at stops the import with one sentence")
    func badHeader() async throws {
        try await TestDatabase.withFresh { client, _ in
            await #expect(throws: (any Error).self) {
                _ = try await importText("name,time\nalice,2026-03-29T00:10:00Z\n", format: .csv, client: client)
            }
        }
    }

    @Test("importing the same file again stores nothing new, with or without ids")
    func reimport() async throws {
        let text = (0..<200).map { #"{"user":"u\#($0 % 9)","at":\#(1_774_744_800 + $0),"location":"/p"}"# }.joined(separator: "\n")
        try await TestDatabase.withFresh { client, _ in
            let (_, first) = try await importText(text, format: .jsonLines, client: client)
            let (_, second) = try await importText(text, format: .jsonLines, client: client)
            #expect(first.stored == 200 && first.duplicates == 0)
            #expect(second.stored == 0 && second.duplicates == 200)
            #expect(try await storedEvents(client).count == 200)
        }
    }

    @Test("a line longer than the limit is rejected without being held, and the next lines are read")
    func longLine() async throws {
        let huge = #"{"user":"\#(String(repeating: "z", count: 3 << 20))","at":1774744800}"#
        let text = huge + "\n" + #"{"user":"after","at":1774744800}"#
        try await TestDatabase.withFresh { client, _ in
            let (rejections, statistics) = try await importText(text, format: .jsonLines, client: client)
            #expect(rejections.map(\.line) == [1])
            #expect(rejections.first?.reason.description == "the line is longer than 1048576 bytes")
            #expect(statistics.stored == 1)
        }
    }
}
