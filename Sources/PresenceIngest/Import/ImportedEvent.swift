import Crypto
import Foundation
import PresenceModel

/// Turns the fields of an imported line into a ``SeenEvent``, the same way for JSON Lines and
/// CSV.
enum ImportedEvent {
    /// Builds an event from its fields as text.
    ///
    /// An event without an id gets a UUIDv7 derived from its user, time and location, so that
    /// importing the same file again finds the same events and stores nothing new.
    ///
    /// - Returns: The event, or why the fields do not make one.
    static func make(id: String?, user: String?, at: TimeField?, location: String?) -> Result<SeenEvent, RejectionReason> {
        guard let user else {
            return .failure(RejectionReason(.malformed, "the field 'user' is missing"))
        }
        guard let at else {
            return .failure(RejectionReason(.malformed, "the field 'at' is missing"))
        }
        let time: Timestamp
        switch at {
        case .text(let text):
            guard let parsed = Timestamp(rfc3339: text) ?? unixSeconds(text) else {
                return .failure(
                    RejectionReason(.malformed, "the time '\(text.prefix(64))' is neither an RFC 3339 time nor Unix seconds")
                )
            }
            time = parsed
        case .seconds(let seconds):
            var scaled = seconds * 1_000_000
            var rounded = Decimal()
            NSDecimalRound(&rounded, &scaled, 0, .plain)
            guard abs(rounded) < 1e18 else {
                return .failure(RejectionReason(.timeOutOfRange, "the time lies outside the years 0001 to 9999"))
            }
            time = Timestamp(microsecondsSince1970: NSDecimalNumber(decimal: rounded).int64Value)
        }
        let eventID: UUID
        if let id, !id.isEmpty {
            guard let parsed = UUID(uuidString: id) else {
                return .failure(RejectionReason(.malformed, "the id '\(id.prefix(64))' is not a UUID"))
            }
            eventID = parsed
        } else {
            eventID = derivedID(user: user, at: time, location: location)
        }
        return .success(SeenEvent(id: eventID, user: user, at: time, location: location))
    }

    /// A time field: text (RFC 3339, or Unix seconds written as text) or a JSON number of
    /// Unix seconds.
    enum TimeField {
        case text(String)
        case seconds(Decimal)
    }

    /// Unix seconds written as decimal text, like `1774744800` or `1774744800.25`, exactly:
    /// an optional minus, digits, and optionally a point and more digits.
    static func unixSeconds(_ text: String) -> Timestamp? {
        // Decimal(string:) reads the longest prefix that makes a number ("1-2" as 1, "-" and
        // "." as 0), so the whole text is checked first.
        let unsigned = text.utf8.first == 0x2D ? text.utf8.dropFirst() : text.utf8[...]
        let parts = unsigned.split(separator: 0x2E, maxSplits: 1, omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } }),
            var value = Decimal(string: text)
        else { return nil }
        var scaled = Decimal()
        var million = Decimal(1_000_000)
        _ = NSDecimalMultiply(&scaled, &value, &million, .plain)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard abs(rounded) < 1e18 else { return nil }
        return Timestamp(microsecondsSince1970: NSDecimalNumber(decimal: rounded).int64Value)
    }

    /// A UUIDv7 of the event's time whose random bits come from a hash of its content.
    static func derivedID(user: String, at time: Timestamp, location: String?) -> UUID {
        var hasher = SHA256()
        hasher.update(data: Data(user.utf8))
        hasher.update(data: Data([0]))
        withUnsafeBytes(of: time.microsecondsSince1970.littleEndian) { hasher.update(bufferPointer: $0) }
        if let location {
            hasher.update(data: Data([1]))
            hasher.update(data: Data(location.utf8))
        }
        let seed = hasher.finalize().prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var generator = SplitMix64(seed: seed)
        return UUID.version7(at: time, using: &generator)
    }
}
