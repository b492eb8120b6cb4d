import Foundation
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceTestSupport
import Testing

/// `presence ingest` on hostile files: good lines among mutated, random, blank, repeated and
/// over-long ones, in JSON Lines and CSV, with `\n` and `\r\n` line breaks. Every line is
/// stored or rejected with its number and a reason; the good ones are stored byte for byte;
/// the counters balance and the log holds what they say.
@Suite("Fuzzing presence ingest")
struct ImportFuzzTests {
    /// The line limit of the fuzzed imports: small, so that over-long lines are cheap to make.
    static let limit = 8_192
    /// Lines (records) per fuzzed file.
    static let linesPerFile = 2_500

    /// What the test wrote on one line (or one CSV record, which may span lines).
    enum Written {
        case good(Fuzz.Event)
        case other
    }

    /// Runs the importer over `bytes` into a fresh tracker; returns the rejections, the
    /// importer's count of them, and the tracker's statistics after shutdown.
    static func importBytes(
        _ bytes: [UInt8],
        format: EventImporter.Format,
        maximumLineLength: Int = limit,
        client: PostgresClient
    ) async throws -> (rejections: [EventImporter.Rejection], count: Int, statistics: PresenceTracker.Statistics) {
        let path = FileManager.default.temporaryDirectory.appending(path: "presence-fuzz-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(filePath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        var importer = EventImporter(format: format)
        importer.maximumLineLength = maximumLineLength
        var rejections: [EventImporter.Rejection] = []
        var count = 0
        let statistics = try await withTracker(client: client) { tracker, _ in
            count = try await importer.run(input: handle, into: tracker) { rejections.append($0) }
        }
        return (rejections, count, statistics)
    }

    /// The lines a reader must find: split at `\n`, less one `\r` before it (and at the end).
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { $0.last == 0x0D ? $0.dropLast() : $0 }
    }

    /// Checks what every import must give, whatever the input: rejections in line order, each
    /// with a reason; every record counted once as accepted or rejected; every accepted event
    /// stored or found to be a duplicate; the log holding exactly the stored ones.
    static func checkAccounting(
        records: Int,
        _ result: (rejections: [EventImporter.Rejection], count: Int, statistics: PresenceTracker.Statistics),
        client: PostgresClient
    ) async throws -> [SeenEvent] {
        let (rejections, count, statistics) = result
        #expect(count == rejections.count)
        #expect(zip(rejections, rejections.dropFirst()).allSatisfy { $0.line < $1.line }, "\(Fuzz.replay)")
        #expect(rejections.allSatisfy { !$0.reason.description.isEmpty })
        #expect(statistics.accepted + rejections.count == records, "every record is accepted or rejected; \(Fuzz.replay)")
        #expect(statistics.stored + statistics.duplicates == statistics.accepted, "\(Fuzz.replay)")
        #expect(statistics.droppedTotal == 0 && statistics.buffered == 0 && statistics.isBalanced)
        let stored = try await storedEvents(client)
        #expect(stored.count == statistics.stored, "\(Fuzz.replay)")
        return stored
    }

    /// Checks that each good line's event is in the log exactly, and was not rejected.
    static func checkGood(
        _ good: [(line: Int, event: Fuzz.Event)],
        rejections: [EventImporter.Rejection],
        stored: [SeenEvent]
    ) {
        let rejected = Set(rejections.map(\.line))
        var byContent: [String: [SeenEvent]] = [:]
        for event in stored { byContent["\(Array(event.user.utf8))|\(event.at.microsecondsSince1970)", default: []].append(event) }
        for (line, event) in good {
            #expect(!rejected.contains(line), "good line \(line) was rejected; \(Fuzz.replay)")
            let candidates = byContent["\(Array(event.user.utf8))|\(event.microseconds)"] ?? []
            let found = candidates.contains { candidate in
                candidate.location.map { Array($0.utf8) } == event.location.map { Array($0.utf8) }
                    && (event.id == nil || candidate.id == event.id)
            }
            #expect(found, "good line \(line) is not in the log as written: \(event); \(Fuzz.replay)")
        }
    }

    @Test("JSON Lines: every line is stored or rejected with its number; good lines are stored exactly")
    func jsonLines() async throws {
        var fuzz = Fuzz("ImportFuzzTests.jsonLines")
        for round in 0..<Fuzz.scale {
            var bytes: [UInt8] = fuzz.chance(0.3) ? [0xEF, 0xBB, 0xBF] : []
            var good: [(line: Int, event: Fuzz.Event)] = []
            var previous: [[UInt8]] = []
            var number = 1
            for index in 0..<Self.linesPerFile {
                let line: [UInt8]
                let event = fuzz.event()
                var isGood = false
                switch fuzz.int(0..<100) {
                case 0..<55:
                    line = fuzz.jsonLine(event)
                    isGood = true
                case 55..<75: line = fuzz.mutate(fuzz.jsonLine(event))
                case 75..<85: line = fuzz.garbage(maximumLength: 200)
                case 85..<90: line = Array(fuzz.pick(["", " ", "\t", " \t "]).utf8)
                case 90..<97: line = previous.isEmpty ? [] : fuzz.pick(previous)  // sent again: a duplicate
                default:
                    line =
                        Array(#"{"user":"long","at":1774744800,"location":""#.utf8) + Array(repeating: 0x78, count: Self.limit) + Array(#""}"#.utf8)
                }
                if isGood {
                    good.append((number, event))
                    previous.append(line)
                }
                bytes += line
                number += line.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }  // a mutated line may hold line breaks
                if index < Self.linesPerFile - 1 || fuzz.chance(0.5) {
                    bytes += fuzz.chance(0.3) ? [0x0D, 0x0A] : [0x0A]
                    number += 1
                }
            }
            try await TestDatabase.withFresh { client, _ in
                let clock = ContinuousClock()
                let started = clock.now
                let result = try await Self.importBytes(bytes, format: .jsonLines, client: client)
                let lines = Self.lines(bytes)
                let records = lines.filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x09 } }.count
                let stored = try await Self.checkAccounting(records: records, result, client: client)
                Self.checkGood(good, rejections: result.rejections, stored: stored)
                // Every over-long line is rejected as such, and nothing else is.
                let tooLong = lines.enumerated().filter { $0.element.count > Self.limit }.map { $0.offset + 1 }
                #expect(result.rejections.filter { $0.reason.description.hasPrefix("the line is longer") }.map(\.line) == tooLong)
                print(
                    "fuzz import JSON Lines round \(round): \(lines.count) lines, \(bytes.count) bytes: stored \(result.statistics.stored), duplicates \(result.statistics.duplicates), rejected \(result.count) (\(tooLong.count) too long) in \(clock.now - started)"
                )
            }
        }
    }

    /// The CSV records a reader must find: lines joined while a quote is open, the line break
    /// inside quotes kept as sent. A line over the limit is skipped unread, so its quotes do
    /// not count, and its record is rejected as too long, as is a record over the limit.
    static func csvRecords(_ bytes: [UInt8]) -> [(line: Int, bytes: [UInt8], tooLong: Bool)] {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var records: [(line: Int, bytes: [UInt8], tooLong: Bool)] = []
        var index = 1  // after the header
        while index < lines.count {
            let first = index
            var (record, tooLong, open, previousHadCR) = ([UInt8](), false, false, false)
            repeat {
                let raw = lines[index]
                let hasCR = raw.last == 0x0D
                var content = Array(hasCR ? raw.dropLast() : raw)
                if content.count > limit {
                    tooLong = true
                    content = []
                }
                if index > first { record += previousHadCR ? [0x0D, 0x0A] : [0x0A] }
                record += content
                if content.reduce(0, { $1 == 0x22 ? $0 + 1 : $0 }) % 2 == 1 { open.toggle() }
                previousHadCR = hasCR
                index += 1
            } while open && index < lines.count
            records.append((first + 1, record, tooLong || record.count > limit))
        }
        return records
    }

    @Test("CSV: every record is stored or rejected with its first line's number; good records are stored exactly")
    func csv() async throws {
        var fuzz = Fuzz("ImportFuzzTests.csv")
        for round in 0..<Fuzz.scale {
            let columns = ["id", "user", "at", "location"].shuffled(using: &fuzz.random)
            var bytes = Array(((fuzz.chance(0.3) ? "\u{FEFF}" : "") + columns.joined(separator: ",")).utf8) + [0x0A]
            var good: [(line: Int, bytes: [UInt8], event: Fuzz.Event)] = []
            var previous: [[UInt8]] = []
            var number = 2
            for index in 0..<Self.linesPerFile {
                let event = fuzz.event()
                let record: [UInt8]
                var isGood = false
                switch fuzz.int(0..<100) {
                case 0..<55:
                    record = fuzz.csvRecord(event, columns: columns)
                    isGood = true
                case 55..<75: record = fuzz.mutate(fuzz.csvRecord(event, columns: columns))
                case 75..<85: record = fuzz.garbage(maximumLength: 200)
                case 85..<88: record = []
                case 88..<97: record = previous.isEmpty ? [] : fuzz.pick(previous)
                default:
                    var long = event
                    long.location = String(repeating: "x", count: Self.limit)
                    long.user = "long"
                    record = fuzz.csvRecord(long, columns: columns).filter { $0 != 0x22 }
                }
                if isGood {
                    good.append((number, record, event))
                    previous.append(record)
                }
                bytes += record
                number += record.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }  // quoted line breaks
                if index < Self.linesPerFile - 1 || fuzz.chance(0.5) {
                    bytes += fuzz.chance(0.3) ? [0x0D, 0x0A] : [0x0A]
                    number += 1
                }
            }
            try await TestDatabase.withFresh { client, _ in
                let clock = ContinuousClock()
                let started = clock.now
                let result = try await Self.importBytes(bytes, format: .csv, client: client)
                let records = Self.csvRecords(bytes)
                let stored = try await Self.checkAccounting(records: records.filter { !$0.bytes.isEmpty || $0.tooLong }.count, result, client: client)
                #expect(
                    result.rejections.filter { $0.reason.description.hasPrefix("the line is longer") }.map(\.line)
                        == records.filter(\.tooLong).map(\.line),
                    "\(Fuzz.replay)"
                )
                // A good record counts where the reader finds it whole: a mutated record before it
                // may leave a quote open and take it in.
                let whole = Set(records.map { "\($0.line)|\($0.bytes)" })
                let found = good.filter { whole.contains("\($0.line)|\(Array($0.bytes.strippingLastCarriageReturn()))") }
                Self.checkGood(found.map { ($0.line, $0.event) }, rejections: result.rejections, stored: stored)
                #expect(found.count > good.count / 4, "most good records stand alone; \(Fuzz.replay)")
                print(
                    "fuzz import CSV round \(round): \(records.count) records, \(bytes.count) bytes: stored \(result.statistics.stored), duplicates \(result.statistics.duplicates), rejected \(result.count); \(found.count) of \(good.count) good records whole, in \(clock.now - started)"
                )
            }
        }
    }

    // MARK: - Line breaks

    @Test("a line of exactly the limit is read whole when the chunk ends between its \\r and \\n")
    func carriageReturnAtChunkEnd() async throws {
        // The reader reads 64 KiB at a time: this line's \r is the chunk's last byte.
        let event = Array(#"{"user":"edge","at":1774744800"#.utf8)
        let line = event + Array(repeating: 0x20, count: (1 << 16) - 2 - event.count) + [UInt8(ascii: "}")]
        #expect(line.count == (1 << 16) - 1)
        let bytes = line + [0x0D, 0x0A] + Array(#"{"user":"next","at":1774744800}"#.utf8) + [0x0D, 0x0A]
        try await TestDatabase.withFresh { client, _ in
            let result = try await Self.importBytes(bytes, format: .jsonLines, maximumLineLength: line.count, client: client)
            #expect(result.rejections.isEmpty)
            #expect(try await storedEvents(client).map(\.user).sorted() == ["edge", "next"])
        }
    }

    @Test("a last line that ends in \\r without \\n loses the \\r, as every other line does")
    func lastCarriageReturn() async throws {
        let text = "user,at,location\r\nalice,2026-03-29T00:10:00Z,/a\r\nbob,2026-03-29T00:11:00Z,/b\r"
        try await TestDatabase.withFresh { client, _ in
            let result = try await Self.importBytes(Array(text.utf8), format: .csv, client: client)
            #expect(result.rejections.isEmpty)
            #expect(try await storedEvents(client).map(\.location) == ["/a", "/b"])
        }
    }

    @Test("a quoted CSV field keeps its \\r\\n and \\n line breaks exactly")
    func quotedLineBreaks() async throws {
        let text = "user,at,location\r\n\"carol\r\nsmith\",2026-03-29T00:10:00Z,\"one\ntwo\r\nthree\r\"\r\ndave,2026-03-29T00:11:00Z,\r\n"
        try await TestDatabase.withFresh { client, _ in
            let result = try await Self.importBytes(Array(text.utf8), format: .csv, client: client)
            #expect(result.rejections.isEmpty)
            let stored = try await storedEvents(client)
            #expect(stored.map { Array($0.user.utf8) } == [Array("carol\r\nsmith".utf8), Array("dave".utf8)])
            #expect(stored.first.flatMap(\.location).map { Array($0.utf8) } == Array("one\ntwo\r\nthree\r".utf8))
        }
    }

    @Test(
        "empty input, blank lines only, and no line break at the end reject nothing",
        arguments: [
            "", "\n", "\r\n", "\n\n\n", " \n\t\n", #"{"user":"a","at":1774744800}"#, "\u{FEFF}" + #"{"user":"a","at":1774744800}"#,
        ]
    )
    func blankInputs(_ text: String) async throws {
        try await TestDatabase.withFresh { client, _ in
            let result = try await Self.importBytes(Array(text.utf8), format: .jsonLines, client: client)
            #expect(result.rejections.isEmpty)
            #expect(result.statistics.stored == (text.contains("user") ? 1 : 0))
        }
    }

    // MARK: - Limits and SQL

    @Test(
        "SQL-looking text and users and locations of exactly 256 and 2048 bytes in 1- to 4-byte characters are stored exactly; a byte more is rejected"
    )
    func limitsAndSQL() async throws {
        var fuzz = Fuzz("ImportFuzzTests.limitsAndSQL")
        let at: Int64 = 1_774_744_800_000_000
        var events: [Fuzz.Event] = Fuzz.hostileStrings.enumerated().map { index, text in
            Fuzz.Event(id: nil, user: text, microseconds: at + Int64(index), location: text)
        }
        for (index, text) in ["🎉", "é", "€", "a"].enumerated() {
            let width = text.utf8.count
            let user = String(repeating: text, count: 256 / width) + String(repeating: "a", count: 256 % width)
            let location = String(repeating: text, count: 2048 / width) + String(repeating: "a", count: 2048 % width)
            events.append(Fuzz.Event(id: nil, user: user, microseconds: at + 1_000 + Int64(index), location: location))
        }
        for index in 0..<20 {
            events.append(
                Fuzz.Event(
                    id: nil,
                    user: fuzz.string(ofExactly: 256),
                    microseconds: at + 2_000 + Int64(index),
                    location: fuzz.string(ofExactly: 2048)
                )
            )
        }
        let over = [
            Fuzz.Event(id: nil, user: String(repeating: "🎉", count: 63) + "€ab", microseconds: at, location: nil),  // 257
            Fuzz.Event(id: nil, user: String(repeating: "é", count: 128) + "é", microseconds: at, location: nil),  // 258
            Fuzz.Event(id: nil, user: "u", microseconds: at, location: String(repeating: "€", count: 682) + "éa"),  // 2049
            Fuzz.Event(id: nil, user: "u", microseconds: at, location: String(repeating: "🎉", count: 512) + "\u{301}"),  // 2050
        ]
        for format in EventImporter.Format.allCases {
            let all = events + over
            var bytes: [UInt8] = format == .csv ? Array("user,at,location\n".utf8) : []
            var overLines: [Int] = []
            for (index, event) in all.enumerated() {
                if index >= events.count { overLines.append(bytes.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }) }
                bytes += format == .csv ? fuzz.csvRecord(event, columns: ["user", "at", "location"]) : fuzz.jsonLine(event)
                bytes.append(0x0A)
            }
            try await TestDatabase.withFresh { client, _ in
                let result = try await Self.importBytes(bytes, format: format, client: client)
                let stored = try await storedEvents(client)
                #expect(stored.count == events.count)
                #expect(
                    Set(stored.map { [Array($0.user.utf8), Array($0.location?.utf8 ?? "".utf8)] })
                        == Set(events.map { [Array($0.user.utf8), Array($0.location?.utf8 ?? "".utf8)] })
                )
                #expect(result.rejections.map(\.reason.code) == [.userTooLong, .userTooLong, .locationTooLong, .locationTooLong])
                #expect(result.rejections.map(\.line) == overLines)
                // The SQL did nothing: the log and its neighbours are all there.
                let tables = try await client.query(
                    "SELECT count(*)::int8 FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('seen_events', 'presence_current', 'user_sessions')",
                    logger: TestDatabase.logger
                ).collect()
                #expect(try tables.first?.decode(Int.self) == 3)
                let lengths = try await client.query(
                    "SELECT max(octet_length(user_id))::int8, max(octet_length(location))::int8 FROM seen_events",
                    logger: TestDatabase.logger
                ).collect()
                let (user, location) = try #require(lengths.first).decode((Int, Int).self)
                #expect(user == 256 && location == 2048)
            }
        }
    }
}

extension Array where Element == UInt8 {
    /// The bytes without one `\r` at the end.
    func strippingLastCarriageReturn() -> ArraySlice<UInt8> {
        last == 0x0D ? dropLast() : self[...]
    }
}
