import Foundation
import PresenceModel
import PresenceTestSupport
import Testing

@testable import PresenceIngest

/// DESIGN.md, "Rejected event": bad input never crashes anything and never takes good events
/// down with it. Random and mutated lines and bodies go through the decoders of `presence
/// ingest` and of `POST /v1/events`: each returns an event or a reason, quickly, and the
/// well-formed ones come back exactly as they were written.
@Suite("Fuzzing the JSON Lines, CSV and HTTP body decoders")
struct DecoderFuzzTests {
    /// The longest any one decode may take: far above what any takes (microseconds), far below a hang.
    static let slowest = Duration.seconds(2)

    /// Checks a decoded event against the one written.
    static func matches(_ decoded: SeenEvent, _ written: Fuzz.Event) -> Bool {
        decoded.user.utf8.elementsEqual(written.user.utf8) && decoded.at.microsecondsSince1970 == written.microseconds
            && decoded.location.map { Array($0.utf8) } == written.location.map { Array($0.utf8) }
            && (written.id == nil || decoded.id == written.id)
    }

    @Test("JSON Lines: well-formed lines decode exactly; mutated and random lines give an event or a reason")
    func jsonLines() {
        var fuzz = Fuzz("DecoderFuzzTests.jsonLines")
        let decoder = JSONLinesDecoder()
        let clock = ContinuousClock()
        var (slowest, decoded, rejected) = (Duration.zero, 0, 0)
        let iterations = 6_000 * Fuzz.scale
        for iteration in 0..<iterations {
            let event = fuzz.event()
            let line = fuzz.jsonLine(event)
            var result: Result<SeenEvent, RejectionReason>!
            switch iteration % 3 {
            case 0:
                slowest = max(slowest, clock.measure { result = decoder.decode(line) })
                guard case .success(let got) = result, Self.matches(got, event) else {
                    Issue.record(
                        "a well-formed line did not decode to its event: \(String(decoding: line, as: UTF8.self)) → \(String(describing: result)); \(Fuzz.replay)"
                    )
                    continue
                }
                #expect(got.validate(receivedAt: got.at) == nil, "a generated event breaks the rules; \(Fuzz.replay)")
            default:
                let bytes = iteration % 3 == 1 ? fuzz.mutate(line) : fuzz.garbage(maximumLength: 300)
                slowest = max(slowest, clock.measure { result = decoder.decode(bytes) })
                switch result! {
                case .success: decoded += 1
                case .failure(let reason):
                    rejected += 1
                    #expect(!reason.description.isEmpty)
                }
            }
        }
        print("fuzz JSON Lines: \(iterations) lines, mutated or random ones: \(decoded) decoded, \(rejected) rejected; slowest \(slowest)")
        #expect(slowest < Self.slowest, "\(Fuzz.replay)")
        #expect(rejected > 0 && decoded > 0, "the mutations should make both good and bad lines; \(Fuzz.replay)")
    }

    @Test("CSV: well-formed records decode exactly; mutated and random records give an event or a reason")
    func csv() throws {
        var fuzz = Fuzz("DecoderFuzzTests.csv")
        let clock = ContinuousClock()
        var (slowest, decoded, rejected) = (Duration.zero, 0, 0)
        let iterations = 6_000 * Fuzz.scale
        var columns = CSVDecoder.knownColumns
        var decoder = try CSVDecoder(header: Array(columns.joined(separator: ",").utf8))
        for iteration in 0..<iterations {
            if iteration.isMultiple(of: 500) {
                columns = CSVDecoder.knownColumns.shuffled(using: &fuzz.random).filter { ["user", "at"].contains($0) || fuzz.chance(0.7) }
                decoder = try CSVDecoder(header: Array(columns.joined(separator: ",").utf8))
            }
            let event = fuzz.event()
            let record = fuzz.csvRecord(event, columns: columns)
            var result: Result<SeenEvent, RejectionReason>!
            switch iteration % 3 {
            case 0:
                slowest = max(slowest, clock.measure { result = decoder.decode(record) })
                var expected = event
                if !columns.contains("location") { expected.location = nil }
                if !columns.contains("id") { expected.id = nil }
                guard case .success(let got) = result, Self.matches(got, expected) else {
                    Issue.record(
                        "a well-formed record did not decode to its event: \(String(decoding: record, as: UTF8.self)) → \(String(describing: result)); \(Fuzz.replay)"
                    )
                    continue
                }
            default:
                let bytes = iteration % 3 == 1 ? fuzz.mutate(record) : fuzz.garbage(maximumLength: 300)
                slowest = max(slowest, clock.measure { result = decoder.decode(bytes) })
                switch result! {
                case .success: decoded += 1
                case .failure(let reason):
                    rejected += 1
                    #expect(!reason.description.isEmpty)
                }
            }
        }
        print("fuzz CSV: \(iterations) records, mutated or random ones: \(decoded) decoded, \(rejected) rejected; slowest \(slowest)")
        #expect(slowest < Self.slowest, "\(Fuzz.replay)")
        #expect(rejected > 0 && decoded > 0, "\(Fuzz.replay)")
    }

    @Test("CSV headers: random and mutated headers are either read or refused with a sentence")
    func csvHeaders() {
        var fuzz = Fuzz("DecoderFuzzTests.csvHeaders")
        var (read, refused) = (0, 0)
        for _ in 0..<2_000 * Fuzz.scale {
            let header = Array(CSVDecoder.knownColumns.shuffled(using: &fuzz.random).joined(separator: ",").utf8)
            let bytes = fuzz.chance(0.5) ? fuzz.mutate(header) : fuzz.garbage(maximumLength: 60)
            do {
                _ = try CSVDecoder(header: bytes)
                read += 1
            } catch {
                refused += 1
                let sentence = String(describing: error)
                #expect(sentence.hasPrefix("The CSV header ") && sentence.hasSuffix("."))
            }
        }
        print("fuzz CSV headers: \(read) read, \(refused) refused")
        #expect(refused > 0)
    }

    @Test("HTTP bodies: a JSON array decodes element by element; a mutated body is refused whole or decoded in order")
    func arrayBodies() {
        var fuzz = Fuzz("DecoderFuzzTests.arrayBodies")
        let clock = ContinuousClock()
        var (slowest, refused, decoded) = (Duration.zero, 0, 0)
        let iterations = 1_500 * Fuzz.scale
        for iteration in 0..<iterations {
            let events = (0..<fuzz.int(0...8)).map { _ in fuzz.event() }
            let body = Array(("[" + events.map { String(decoding: fuzz.jsonLine($0), as: UTF8.self) }.joined(separator: ",") + "]").utf8)
            var items: [EventJSON.Item]?
            if iteration.isMultiple(of: 3) {
                slowest = max(slowest, clock.measure { items = try? EventJSON.decodeArray(body) })
                guard let items, items.count == events.count else {
                    Issue.record("a well-formed array was refused: \(String(decoding: body, as: UTF8.self)); \(Fuzz.replay)")
                    continue
                }
                for (item, event) in zip(items, events) {
                    guard case .success(let got) = item.result, Self.matches(got, event) else {
                        Issue.record("element \(item.index) did not decode to its event; \(Fuzz.replay)")
                        continue
                    }
                }
                #expect(items.map(\.index) == Array(0..<events.count))
            } else {
                let bytes = iteration % 3 == 1 ? fuzz.mutate(body) : [UInt8(ascii: "[")] + fuzz.garbage(maximumLength: 400)
                slowest = max(
                    slowest,
                    clock.measure {
                        do {
                            items = try EventJSON.decodeArray(bytes)
                        } catch let error as RejectionReason {
                            #expect(error.code == .malformed)
                            items = nil
                        } catch {
                            Issue.record("decodeArray threw \(error)")
                            items = nil
                        }
                    }
                )
                if let items {
                    decoded += 1
                    #expect(items.map(\.index) == Array(0..<items.count), "\(Fuzz.replay)")
                } else {
                    refused += 1
                }
            }
        }
        print("fuzz JSON array bodies: \(iterations) bodies, mutated or random ones: \(decoded) decoded, \(refused) refused; slowest \(slowest)")
        #expect(slowest < Self.slowest, "\(Fuzz.replay)")
    }

    @Test("HTTP bodies: JSON Lines decode line by line, each non-blank line an item at its position")
    func lineBodies() {
        var fuzz = Fuzz("DecoderFuzzTests.lineBodies")
        let clock = ContinuousClock()
        var slowest = Duration.zero
        var lines = 0
        for _ in 0..<1_500 * Fuzz.scale {
            var body: [UInt8] = []
            var written: [(line: Int, event: Fuzz.Event?)] = []
            for line in 0..<fuzz.int(0...8) {
                if line > 0 { body += fuzz.chance(0.3) ? Array("\r\n".utf8) : [0x0A] }
                let event = fuzz.event()
                let text = fuzz.jsonLine(event)
                switch fuzz.int(0..<4) {
                case 0: body += fuzz.mutate(text)
                case 1: body += fuzz.garbage(maximumLength: 200)
                default:
                    // Its position: the line breaks before it (a mutated line may hold some).
                    written.append((body.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }, event))
                    body += text
                }
            }
            // What a line reader makes of the body: split at LF, less one CR before it.
            let expected = body.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated().compactMap { index, line in
                let text = line.last == 0x0D ? line.dropLast() : line
                return text.allSatisfy { $0 == 0x20 || $0 == 0x09 } ? nil : index
            }
            var items: [EventJSON.Item] = []
            slowest = max(slowest, clock.measure { items = EventJSON.decodeLines(body) })
            lines += items.count
            #expect(items.map(\.index) == expected, "\(Fuzz.replay)")
            for (line, event) in written {
                guard let event, let item = items.first(where: { $0.index == line }), case .success(let got) = item.result,
                    Self.matches(got, event)
                else {
                    Issue.record("well-formed line \(line) did not decode to its event; \(Fuzz.replay)")
                    continue
                }
            }
        }
        print("fuzz JSON Lines bodies: \(lines) lines; slowest \(slowest)")
        #expect(slowest < Self.slowest, "\(Fuzz.replay)")
    }

    /// Nesting deep enough to overflow a recursive parser's stack, in an 8 MiB body (the server's limit).
    @Test("deeply nested JSON is refused, not a stack overflow", arguments: ["[", "{\"a\":", "[{\"user\":"])
    func deepNesting(_ opening: String) {
        let body = Array(String(repeating: opening, count: (8 << 20) / opening.utf8.count).utf8)
        #expect(throws: RejectionReason.self) { try EventJSON.decodeArray(body) }
        #expect(EventJSON.decodeLines(body).allSatisfy { if case .failure = $0.result { true } else { false } })
        if case .success = JSONLinesDecoder().decode(body) { Issue.record("deep nesting decoded to an event") }
    }

    @Test("invalid UTF-8 anywhere in a line is rejected as malformed, never stored repaired", arguments: Fuzz.invalidUTF8)
    func invalidUTF8(_ sequence: [UInt8]) throws {
        let before = Array(#"{"user":"al"#.utf8)
        let after = Array(#"ice","at":"2026-03-29T00:10:00Z","location":"/a"}"#.utf8)
        let json = JSONLinesDecoder().decode(before + sequence + after)
        guard case .failure(let reason) = json else {
            Issue.record("JSON with invalid UTF-8 \(sequence) decoded: \(json)")
            return
        }
        #expect(reason.code == .malformed)
        let decoder = try CSVDecoder(header: Array("user,at,location".utf8))
        let csv = decoder.decode(Array("al".utf8) + sequence + Array("ice,2026-03-29T00:10:00Z,/a".utf8))
        #expect(csv.failureDescription == "the line is not valid UTF-8")
        let location = decoder.decode(Array("alice,2026-03-29T00:10:00Z,/a".utf8) + sequence)
        #expect(location.failureDescription == "the line is not valid UTF-8")
        // In an array, the element is rejected (or the whole body, when the decoder gives up on it).
        let array = try? EventJSON.decodeArray([UInt8(ascii: "[")] + before + sequence + after + [UInt8(ascii: "]")])
        #expect(array.map { $0.count == 1 && $0[0].result.failureDescription != nil } ?? true)
    }

    @Test("user and location at exactly their byte limits in multi-byte characters pass; one byte more is rejected")
    func byteLimits() throws {
        var fuzz = Fuzz("DecoderFuzzTests.byteLimits")
        let now = Timestamp.now.microsecondsSince1970
        for _ in 0..<200 * Fuzz.scale {
            for (limit, code, isUser) in [
                (SeenEvent.Rules.maximumUserBytes, RejectionReason.Code.userTooLong, true),
                (SeenEvent.Rules.maximumLocationBytes, .locationTooLong, false),
            ] {
                let exact = fuzz.string(ofExactly: limit)
                // One byte more: a 1-byte character, or a multi-byte one straddling the limit.
                let over = fuzz.chance(0.5) ? exact + "a" : fuzz.string(ofExactly: limit - 1) + fuzz.pick(["é", "€", "🎉"])
                for (text, expected) in [(exact, nil), (over, code)] as [(String, RejectionReason.Code?)] {
                    let event = Fuzz.Event(id: nil, user: isUser ? text : "u", microseconds: now - 1_000_000, location: isUser ? "/" : text)
                    let line = fuzz.jsonLine(event)
                    let decoded = try JSONLinesDecoder().decode(line).get()
                    #expect(
                        decoded.validate(receivedAt: Timestamp(microsecondsSince1970: now))?.code == expected,
                        "\(text.utf8.count) bytes; \(Fuzz.replay)"
                    )
                    let record = fuzz.csvRecord(event, columns: ["user", "at", "location"])
                    let fromCSV = try CSVDecoder(header: Array("user,at,location".utf8)).decode(record).get()
                    #expect(fromCSV.validate(receivedAt: Timestamp(microsecondsSince1970: now))?.code == expected, "\(Fuzz.replay)")
                }
            }
        }
    }

    @Test(
        "Unix seconds are digits with at most one point and a leading minus; anything else is no time",
        arguments: [
            "1-2", "1.2.3", "--1", "-", ".", "1.", ".5", "1..2", "1-", "12-3.4", "0-0",
        ]
    )
    func malformedUnixSeconds(_ text: String) {
        let result = ImportedEvent.make(id: nil, user: "u", at: .text(text), location: nil)
        if case .success(let event) = result, !["1.", ".5"].contains(text) {
            Issue.record("'\(text)' was read as Unix seconds: \(event.at.microsecondsSince1970) µs")
        }
    }

    @Test(
        "JSON numbers of any size as the time are rejected or read exactly, never crash",
        arguments: [
            "1e400", "-1e400", "1e127", "1e-127", "99999999999999999999999999999999999999", "1774744800.1234565",
            "-62135596800", "-62135596801", "253402300799.999999", "253402300800", "0.0000005", "-0",
        ]
    )
    func extremeNumbers(_ number: String) {
        let line = Array(#"{"user":"u","at":\#(number)}"#.utf8)
        switch JSONLinesDecoder().decode(line) {
        case .success(let event):
            // Whatever was read must be what the number says, to the microsecond.
            let expected = Decimal(string: number).map { $0 * 1_000_000 }
            #expect(
                expected.map { abs($0 - Decimal(event.at.microsecondsSince1970)) <= 1 } == true,
                "\(number) read as \(event.at.microsecondsSince1970)"
            )
        case .failure(let reason):
            #expect([.malformed, .timeOutOfRange].contains(reason.code))
        }
    }
}

extension Result where Failure == RejectionReason {
    /// The reason's sentence, or `nil` for a success.
    var failureDescription: String? {
        if case .failure(let reason) = self { reason.description } else { nil }
    }
}
