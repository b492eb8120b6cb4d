import Foundation

/// A zone's offsets from UTC, read from its TZif file (RFC 8536) in the system's zone folder,
/// which PostgreSQL reads too (Debian builds it `--with-system-tzdata`).
///
/// The local-time property test computes every expected edge from this, not from SQL. It is
/// written by hand because no package here reads zone files: Foundation's `TimeZone` holds
/// ICU's zone data, of another release than the system's (its `CET` has other transitions
/// than the system's, which is now Brussels'), and lacks names PostgreSQL knows
/// (`posixrules`, `localtime`).
struct ZoneFile: Sendable {
    /// A change of the zone's offset: from `at` (seconds since 1970) on, `offset` seconds
    /// east of UTC.
    struct Change: Sendable, Hashable {
        var at: Int64
        var offset: Int64
    }

    /// The offset before the first change.
    var initialOffset: Int64
    /// The changes the file lists, in order (offsets may repeat: a change of name only).
    var changes: [Change]
    /// The rule for times after the last listed change, from the file's footer.
    var rule: PosixRule?

    static let folder = "/usr/share/zoneinfo"

    enum ReadError: Error, CustomStringConvertible {
        case unreadable(String)
        case malformed(String, String)

        var description: String {
            switch self {
            case .unreadable(let name): "\(ZoneFile.folder)/\(name) cannot be read"
            case .malformed(let name, let why): "\(ZoneFile.folder)/\(name) is no TZif file of version 2 or later: \(why)"
            }
        }
    }

    /// Reads the zone of a name PostgreSQL knows.
    init(name: String) throws {
        guard let data = FileManager.default.contents(atPath: "\(Self.folder)/\(name)") else {
            throw ReadError.unreadable(name)
        }
        let bytes = [UInt8](data)
        func integer(_ at: Int, _ size: Int) throws -> Int64 {
            guard at + size <= bytes.count else { throw ReadError.malformed(name, "it ends early") }
            var value: Int64 = bytes[at] & 0x80 == 0 ? 0 : -1
            for byte in bytes[at..<at + size] { value = value << 8 | Int64(byte) }
            return value
        }
        func counts(at header: Int) throws -> [Int] {
            guard bytes.count >= header + 44, bytes[header..<header + 4].elementsEqual("TZif".utf8) else {
                throw ReadError.malformed(name, "no TZif header at byte \(header)")
            }
            return try (0..<6).map { Int(try integer(header + 20 + 4 * $0, 4)) }
        }
        // Skip the version 1 block (32-bit times) to the version 2 one.
        let first = try counts(at: 0)
        let (isUT, isStandard, leaps, times, types, characters) = (first[0], first[1], first[2], first[3], first[4], first[5])
        let second = 44 + times * 5 + types * 6 + characters + leaps * 8 + isStandard + isUT
        let block = try counts(at: second)
        let (timeCount, typeCount, characterCount, leapCount) = (block[3], block[4], block[5], block[2])
        var cursor = second + 44
        let instants = try (0..<timeCount).map { try integer(cursor + 8 * $0, 8) }
        cursor += timeCount * 8
        guard cursor + timeCount <= bytes.count else { throw ReadError.malformed(name, "it ends early") }
        let typeIndices = (0..<timeCount).map { Int(bytes[cursor + $0]) }
        cursor += timeCount
        let offsets = try (0..<typeCount).map { try integer(cursor + 6 * $0, 4) }
        cursor += typeCount * 6 + characterCount + leapCount * 12 + block[1] + block[0]
        guard typeIndices.allSatisfy({ $0 < typeCount }), !offsets.isEmpty else {
            throw ReadError.malformed(name, "a change names no local time type")
        }
        initialOffset = offsets[0]
        changes = zip(instants, typeIndices).map { Change(at: $0, offset: offsets[$1]) }
        // The footer: a newline, a POSIX TZ string, a newline.
        let footer = String(decoding: bytes[min(cursor, bytes.count)...], as: UTF8.self)
            .trimmingCharacters(in: .newlines)
        if footer.isEmpty {
            rule = nil
        } else {
            guard let parsed = PosixRule(footer) else { throw ReadError.malformed(name, "its footer \(footer) is no POSIX TZ string") }
            rule = parsed
        }
    }

    /// The offset at a moment, in seconds east of UTC.
    func offset(at seconds: Int64) -> Int64 {
        if let rule, seconds >= changes.last?.at ?? .min {
            return rule.offset(at: seconds)
        }
        // The last change at or before the moment.
        var low = 0
        var high = changes.count
        while low < high {
            let middle = (low + high) / 2
            if changes[middle].at <= seconds { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? initialOffset : changes[low - 1].offset
    }

    /// The moments in [from, to) where the offset changes, with the offset from then on.
    func clockChanges(from: Int64, to: Int64) -> [Change] {
        var candidates = changes.map(\.at).filter { $0 >= from && $0 < to }
        let last = changes.last?.at ?? .min
        if let rule, to > last {
            let firstYear = PosixRule.civil(days: max(from, last) / 86_400).year - 1
            let lastYear = PosixRule.civil(days: to / 86_400).year + 1
            for year in firstYear...lastYear {
                candidates += rule.changes(in: year).filter { $0 > last && $0 >= from && $0 < to }
            }
        }
        return Set(candidates).sorted().compactMap { at in
            let after = offset(at: at)
            return offset(at: at - 1) == after ? nil : Change(at: at, offset: after)
        }
    }
}
