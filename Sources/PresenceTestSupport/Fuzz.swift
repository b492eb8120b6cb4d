import Foundation
import PresenceModel

/// A seeded source of hostile input, so that a failing fuzz run can be replayed.
///
/// Every run picks a fresh seed unless `PRESENCE_FUZZ_SEED` names one (decimal or `0x…`), and
/// prints it; each test derives its own generator from that seed and its name, so one test
/// replays alone. `PRESENCE_FUZZ_SCALE` multiplies the iterations (default 1, about a second
/// or two per test on the 2-core CI machine) for longer runs.
public struct Fuzz: Sendable {
    /// The run's seed.
    public static let seed: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["PRESENCE_FUZZ_SEED"] {
            let value = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            if let value { return value }
        }
        return UInt64.random(in: .min ... .max)
    }()

    /// How many times the default iterations to run.
    public static let scale: Int = {
        ProcessInfo.processInfo.environment["PRESENCE_FUZZ_SCALE"].flatMap { Int($0) }.map { max(1, $0) } ?? 1
    }()

    /// What to print, and to attach to failures, to replay a test.
    public static var replay: String {
        "PRESENCE_FUZZ_SEED=0x\(String(seed, radix: 16))"
    }

    public var random: SplitMix64

    /// A generator for the test `name`; prints how to replay it.
    public init(_ name: String) {
        // FNV-1a: the standard library's hash is seeded per process, so it cannot derive a seed.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        random = SplitMix64(seed: Self.seed ^ hash)
        print("fuzz \(name): replay with \(Self.replay) (scale \(Self.scale))")
    }

    public mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &random) }
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    public mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }
    public mutating func pick<T>(_ values: [T]) -> T { values[int(0..<values.count)] }
    public mutating func byte() -> UInt8 { UInt8.random(in: .min ... .max, using: &random) }

    // MARK: - Text

    /// Strings that have broken parsers and SQL before: quotes, escapes, SQL, COPY's markers,
    /// format strings, control characters, every width of UTF-8, combining marks.
    public static let hostileStrings = [
        "alice", "'); DROP TABLE seen_events; --", "' OR '1'='1", "\"; DELETE FROM seen_events WHERE ''='",
        "Robert'); DROP TABLE students;--", "$1", "$$ language plpgsql $$", "E'\\\\x00'", "\\.", "\\N", "\\\\N", "\\",
        "a\\tb", "tab\there", "new\nline", "carriage\rreturn", "crlf\r\n", "comma,field", "quote\"inside", "\"\"",
        "%s%n%x", "{{user}}", "${jndi:ldap://x}", "<script>alert(1)</script>", "null", "NULL", "true", "0", "-1",
        "1e999", "\u{7F}\u{1}\u{1F}", "\u{FEFF}bom", "\u{200B}zero\u{200D}width", "é", "e\u{301}", "€", "🎉",
        "👩‍👩‍👧", "𝕌𝕟𝕚𝕔𝕠𝕕𝕖", "ｆｕｌｌ", "עברית", "العربية", "中文", "\u{FFFD}", "\u{FFFF}", "\u{10FFFF}",
        " leading", "trailing ", "   ", "/forum/{id}?q=1&r=2#x", "pg_sleep(10)", "; SELECT pg_sleep(10);",
    ]

    /// A string made of hostile pieces, at most `limit` bytes of UTF-8.
    public mutating func hostileString(limit: Int) -> String {
        var text = ""
        for _ in 0..<int(1...4) {
            let piece = pick(Self.hostileStrings)
            guard text.utf8.count + piece.utf8.count <= limit else { break }
            text += piece
        }
        return text.isEmpty ? "u" : text
    }

    /// A string of exactly `bytes` bytes of UTF-8 made of characters of random widths.
    public mutating func string(ofExactly bytes: Int) -> String {
        let widths: [(Int, [String])] = [(1, ["a", "Z", "'", "\\", "\t"]), (2, ["é", "ß", "ж"]), (3, ["€", "中", "\u{FFFD}"]), (4, ["🎉", "𝕌"])]
        var text = ""
        var left = bytes
        while left > 0 {
            let (width, characters) = pick(widths.filter { $0.0 <= left })
            text += pick(characters)
            left -= width
        }
        return text
    }

    // MARK: - Bytes

    /// Bytes that JSON, CSV and UTF-8 decoders treat specially, and some that are plain broken.
    public static let interestingBytes: [UInt8] =
        Array("{}[]\",:\\ \t\r\n0123456789.-+eEtrufalsn\u{0}".utf8) + [
            0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFE, 0xFF,
        ]

    /// Sequences that are not UTF-8: a lone continuation byte, an overlong NUL and slash, a
    /// UTF-16 surrogate, a code point beyond U+10FFFF, truncated sequences, 0xFE and 0xFF.
    public static let invalidUTF8: [[UInt8]] = [
        [0x80], [0xBF], [0xC0, 0x80], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
        [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x8E], [0xFE], [0xFF],
    ]

    /// Pieces that make JSON decoders work hard or take a wrong turn.
    public static let hostileJSON = [
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{",
        "1e999999", "-1e999999", "1e-999999", "123456789012345678901234567890123456789012345678901234567890",
        "0.0000000000000000000000000000000000000000001", "-0", "NaN", "Infinity", "\"\\ud800\"", "\"\\udc00\\ud800\"",
        "\"\\u0000\"", "\"\\uZZZZ\"", "\"\\", "\"user\":\"a\",\"user\":\"b\"", "\"at\":null", "\"at\":{}", "\"at\":[]",
        "\"at\":true", "\"at\":1e20", "\"at\":-62135596801", "\"at\":253402300800", "\"at\":\"0000-01-01T00:00:00Z\"",
        "\"at\":\"9999-12-31T23:59:60Z\"", "\"at\":\"1-2\"", "\"at\":\"1.2.3\"", "\"at\":\"--1\"", "\"at\":\".\"",
        "\"id\":\"\"", "\"id\":\"00000000-0000-0000-0000-000000000000\"", "\"id\":7", "\"location\":false",
    ]

    /// `bytes` changed in a few random places.
    public mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<int(1...3) {
            let position = bytes.isEmpty ? 0 : int(0...bytes.count)
            let inside = bytes.isEmpty ? 0 : min(position, bytes.count - 1)
            switch int(0..<10) {
            case 0 where !bytes.isEmpty: bytes[inside] ^= UInt8(1) << UInt8(int(0..<8))
            case 1 where !bytes.isEmpty: bytes[inside] = pick(Self.interestingBytes)
            case 2: bytes.insert(pick(Self.interestingBytes), at: position)
            case 3 where !bytes.isEmpty: bytes.remove(at: inside)
            case 4: bytes.insert(contentsOf: pick(Self.invalidUTF8), at: position)
            case 5: bytes.insert(contentsOf: Array(pick(Self.hostileJSON).utf8), at: position)
            case 6: bytes = Array(bytes.prefix(position))
            case 7 where !bytes.isEmpty:
                let end = int(inside...bytes.count - 1)
                bytes.insert(contentsOf: bytes[inside...end], at: position)
            case 8: bytes.insert(contentsOf: Array(pick(Self.hostileStrings).utf8), at: position)
            default: bytes.insert(byte(), at: position)
            }
        }
        return bytes
    }

    /// Random bytes, mostly from ``interestingBytes``, without line breaks.
    public mutating func garbage(maximumLength: Int) -> [UInt8] {
        (0..<int(0...maximumLength)).map { _ in
            let byte = chance(0.7) ? pick(Self.interestingBytes) : byte()
            return byte == 0x0A ? 0x20 : byte
        }
    }

    // MARK: - Events

    /// A valid event's fields, as a producer writes them: the id may be left out.
    public struct Event: Hashable, Sendable {
        public var id: UUID?
        public var user: String
        public var microseconds: Int64
        public var location: String?

        public init(id: UUID?, user: String, microseconds: Int64, location: String?) {
            self.id = id
            self.user = user
            self.microseconds = microseconds
            self.location = location
        }
    }

    /// A valid event of the three days 2026-03-28 to 2026-03-30 (UTC), with hostile text;
    /// now and then a user or location of exactly the byte limit, in characters of 1 to 4 bytes.
    public mutating func event() -> Event {
        let start: Int64 = 1_774_656_000_000_000  // 2026-03-28T00:00:00Z
        let microseconds = start + Int64(int(0..<3 * 86_400)) * 1_000_000 + (chance(0.5) ? Int64(int(0..<1_000_000)) : 0)
        let user = chance(0.1) ? string(ofExactly: SeenEvent.Rules.maximumUserBytes) : hostileString(limit: 256)
        let location: String? =
            chance(0.2) ? nil : chance(0.05) ? string(ofExactly: SeenEvent.Rules.maximumLocationBytes) : hostileString(limit: 2048)
        let id: UUID? = chance(0.5) ? UUID.version7(at: Timestamp(microsecondsSince1970: microseconds), using: &random) : nil
        return Event(id: id, user: user, microseconds: microseconds, location: location)
    }

    /// The event as one line of JSON: keys in any order, spaces here and there, strings
    /// escaped in one of the ways JSON allows, the time as RFC 3339 (any offset) or Unix seconds.
    public mutating func jsonLine(_ event: Event) -> [UInt8] {
        var members = ["\"user\":" + jsonString(event.user), "\"at\":" + jsonTime(event.microseconds)]
        if let id = event.id { members.append("\"id\":\"" + (chance(0.5) ? id.uuidString : id.uuidString.lowercased()) + "\"") }
        if let location = event.location {
            members.append("\"location\":" + jsonString(location))
        } else if chance(0.5) {
            members.append("\"location\":null")
        }
        if chance(0.2) { members.append("\"extra\":[1,{\"k\":\"v\"}]") }
        members.shuffle(using: &random)
        let space = chance(0.3) ? " " : ""
        return Array(("{" + space + members.joined(separator: "," + space) + space + "}").utf8)
    }

    public mutating func jsonString(_ text: String) -> String {
        let escapeAll = chance(0.2)
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += chance(0.5) ? "\\n" : "\\u000a"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "/" where chance(0.5): out += "\\/"
            case _ where scalar.value < 0x20 || (escapeAll && scalar.value > 0x7E):
                for unit in String(scalar).utf16 { out += "\\u" + String(format: "%04X", unit) }
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    public mutating func jsonTime(_ microseconds: Int64) -> String {
        if chance(0.25) {
            let fraction = microseconds % 1_000_000
            return "\(microseconds / 1_000_000)" + (fraction == 0 ? "" : "." + String(format: "%06d", fraction))
        }
        return "\"" + rfc3339(microseconds) + "\""
    }

    /// The time in RFC 3339 in one of its spellings: Z or z, an offset, T or t or a space.
    public mutating func rfc3339(_ microseconds: Int64) -> String {
        let offsetMinutes = chance(0.5) ? 0 : pick([-720, -570, -300, 60, 120, 330, 345, 765, 840])
        var text = RFC3339.format(microseconds + Int64(offsetMinutes) * 60_000_000)
        text.removeLast()  // Z
        if offsetMinutes != 0 {
            let size = abs(offsetMinutes)
            text += (offsetMinutes < 0 ? "-" : "+") + String(format: "%02d:%02d", size / 60, size % 60)
        } else {
            text += pick(["Z", "z", "+00:00", "-00:00"])
        }
        let separator = text.firstIndex(of: "T")!
        text.replaceSubrange(separator...separator, with: pick(["T", "t", " "]))
        return text
    }

    /// The event as one CSV record (which may span lines) for the given columns.
    public mutating func csvRecord(_ event: Event, columns: [String]) -> [UInt8] {
        let fields = columns.map { column -> String in
            switch column {
            case "id": return event.id.map { $0.uuidString } ?? ""
            case "user": return csvField(event.user)
            case "at":
                return chance(0.2)
                    ? "\(event.microseconds / 1_000_000)"
                        + (event.microseconds % 1_000_000 == 0 ? "" : "." + String(format: "%06d", event.microseconds % 1_000_000))
                    : rfc3339(event.microseconds)
            default: return event.location.map { csvField($0) } ?? ""
            }
        }
        return Array(fields.joined(separator: ",").utf8)
    }

    public mutating func csvField(_ text: String) -> String {
        let special = text.contains { ",\"\r\n".contains($0) } || text.unicodeScalars.contains { $0 == "\r" || $0 == "\n" }
        guard special || chance(0.2) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
