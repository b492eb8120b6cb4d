import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PresenceTestSupport
import Testing

/// `POST /v1/events` with random and mutated bodies, as JSON arrays and as JSON Lines: every
/// answer is 200 with each event stored, a duplicate or rejected with its index, or 400 with
/// one sentence; never a 500; and the log holds exactly what the answers say was stored.
@Suite("Fuzzing POST /v1/events")
struct EventsBodyFuzzTests {
    static let array: HTTPFields = TestTokens.ingestHeaders + [.contentType: "application/json"]
    static let lines: HTTPFields = TestTokens.ingestHeaders + [.contentType: "application/x-ndjson"]

    /// An answer's counts, from its JSON.
    struct Answer {
        var stored: Int
        var duplicates: Int
        var rejected: Int
        var indexes: [Int]
    }

    static func answer(_ response: TestResponse) throws -> Answer {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
        let rejections = try #require(object["rejections"] as? [[String: Any]])
        #expect(rejections.allSatisfy { ($0["code"] as? String)?.isEmpty == false && ($0["reason"] as? String)?.isEmpty == false })
        return Answer(
            stored: try #require(object["stored"] as? Int),
            duplicates: try #require(object["duplicates"] as? Int),
            rejected: try #require(object["rejected"] as? Int),
            indexes: rejections.compactMap { $0["index"] as? Int }
        )
    }

    @Test("random and mutated bodies: 200 with every event accounted for, or 400 with one sentence; never 500")
    func bodies() async throws {
        let requests = 240 * Fuzz.scale
        try await withServer { database, client in
            var fuzz = Fuzz("EventsBodyFuzzTests.bodies")
            var (storedInAll, ok, refused) = (0, 0, 0)
            for request in 0..<requests {
                let events = (0..<fuzz.int(0...6)).map { _ in fuzz.event() }
                let asLines = request % 2 == 1
                var body: [UInt8]
                if asLines {
                    body = events.map { fuzz.jsonLine($0) }.joined(separator: [0x0A]).map { $0 }
                } else {
                    body = Array("[".utf8) + events.map { fuzz.jsonLine($0) }.joined(separator: [UInt8(ascii: ",")]) + Array("]".utf8)
                }
                let kind = request / 2 % 3  // well-formed, mutated, random
                if kind == 1 { body = fuzz.mutate(body) }
                if kind == 2 { body = (asLines ? [] : [UInt8(ascii: "[")]) + fuzz.garbage(maximumLength: 300) }
                let response = try await client.execute(
                    uri: "/v1/events",
                    method: .post,
                    headers: asLines ? Self.lines : Self.array,
                    body: ByteBuffer(bytes: body)
                )
                switch response.status {
                case .ok:
                    ok += 1
                    let answer = try Self.answer(response)
                    #expect(answer.rejected == answer.indexes.count)
                    #expect(zip(answer.indexes, answer.indexes.dropFirst()).allSatisfy { $0 < $1 }, "\(Fuzz.replay)")
                    if asLines {
                        // One item per line that is not blank.
                        let items = body.split(separator: 0x0A, omittingEmptySubsequences: false).filter { line in
                            !(line.last == 0x0D ? line.dropLast() : line).allSatisfy { $0 == 0x20 || $0 == 0x09 }
                        }.count
                        #expect(answer.stored + answer.duplicates + answer.rejected == items, "\(Fuzz.replay)")
                    }
                    if kind == 0 {
                        #expect(answer.stored + answer.duplicates == events.count && answer.rejected == 0, "\(Fuzz.replay)")
                    }
                    storedInAll += answer.stored
                case .badRequest:
                    refused += 1
                    #expect(!asLines, "a JSON Lines body is read line by line, never refused whole")
                    #expect(kind != 0, "a well-formed array was refused; \(Fuzz.replay)")
                    #expect(response.text.hasPrefix(#"{"error":"The body is not a JSON array of events"#))
                default:
                    Issue.record("POST answered \(response.status): \(response.text); \(Fuzz.replay)")
                }
            }
            print("fuzz POST /v1/events: \(requests) requests: \(ok) answered 200, \(refused) 400; \(storedInAll) events stored")
            #expect(try await TestDatabase.eventCount(database) == storedInAll)
        }
    }

    @Test(
        "hostile bodies: deep nesting, invalid UTF-8, NUL, huge numbers: 200 or 400, never 500",
        arguments: [
            String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 100_000), "[\"\u{0}\"]",
            "[{\"user\":\"a\u{0}b\",\"at\":1774744800}]", "[{\"user\":\"a\",\"at\":1e400}]", "[{\"user\":\"a\",\"at\":\"1-2\"}]",
            "[{\"user\":\"\\ud800\",\"at\":1774744800}]", "[{\"user\":\"a\",\"at\":-62135596801}]", "[]", "[null]", "[[]]",
        ]
    )
    func hostileBodies(_ body: String) async throws {
        try await withServer { database, client in
            for (headers, bytes) in [
                (Self.array, Array(body.utf8)), (Self.lines, Array(body.utf8)),
                (Self.array, Array("[{\"user\":\"".utf8) + [0xFF, 0xC0, 0x80] + Array("\",\"at\":1774744800}]".utf8)),
            ] {
                let response = try await client.execute(uri: "/v1/events", method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
                #expect([.ok, .badRequest].contains(response.status), "\(response.status): \(response.text)")
                if response.status == .ok { #expect(try Self.answer(response).stored == 0) }
            }
            #expect(try await TestDatabase.eventCount(database) == 0)
        }
    }
}
