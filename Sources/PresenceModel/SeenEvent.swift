import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One observation of a user: "this user was seen at this time, at this place in the app".
///
/// This is DESIGN.md's seen-event. Two events with the same ``id`` and the same time are the
/// same event sent twice (a duplicate): the log stores it once. Build one with an initializer
/// and check it with ``validate(receivedAt:rules:)`` before it is stored; the database enforces
/// the same limits a second time.
///
/// The time is kept as whole microseconds since 1970-01-01T00:00:00Z, as PostgreSQL keeps it,
/// so that parsing, storing and reading a time never moves it by a microsecond.
public struct SeenEvent: Sendable, Hashable {
    /// The event's identity; a UUIDv7 when the producer gives none.
    public var id: UUID
    /// Who was seen: 1 to 256 bytes of UTF-8, no NUL. Stored and returned exactly.
    public var user: String
    /// When the user was seen, in microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64
    /// Where in the application the user was seen, up to 2048 bytes of UTF-8, no NUL.
    public var location: String?

    /// Creates an event without checking it.
    ///
    /// - Parameters:
    ///   - id: The event's identity; a new UUIDv7 for the time `at` when omitted.
    ///   - user: The user who was seen.
    ///   - at: When the user was seen; rounded to the microsecond.
    ///   - location: Where in the application the user was seen, if known.
    public init(id: UUID? = nil, user: String, at: Date, location: String? = nil) {
        self.init(id: id, user: user, microseconds: Self.microseconds(of: at), location: location)
    }

    /// Creates an event from a time in microseconds, without checking it.
    ///
    /// - Parameters:
    ///   - id: The event's identity; a new UUIDv7 for the time when omitted.
    ///   - user: The user who was seen.
    ///   - microseconds: When the user was seen, in microseconds since 1970-01-01T00:00:00Z.
    ///   - location: Where in the application the user was seen, if known.
    public init(id: UUID? = nil, user: String, microseconds: Int64, location: String? = nil) {
        self.id = id ?? UUID.version7(microseconds: microseconds)
        self.user = user
        self.microseconds = microseconds
        self.location = location
    }

    /// When the user was seen, as a `Date`.
    public var at: Date {
        Date(timeIntervalSince1970: TimeInterval(microseconds) / 1_000_000)
    }

    /// A `Date` in whole microseconds since 1970, rounded; `Int64.min` (which no rule accepts)
    /// for a time that is not finite or lies far outside the years 0001 to 9999.
    public static func microseconds(of date: Date) -> Int64 {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 1e12 else { return .min }
        return Int64((seconds * 1_000_000).rounded())
    }

    /// Checks the event against DESIGN.md's rules.
    ///
    /// - Parameters:
    ///   - receivedAt: When the event reached Presence, in microseconds since 1970; the
    ///     event's time may lie at most ``Rules/allowedClockSkew`` after it.
    ///   - rules: The limits to apply; the defaults are DESIGN.md's.
    /// - Returns: Why the event must be rejected, or `nil` when it may be stored.
    public func validate(receivedAt: Int64, rules: Rules = Rules()) -> RejectionReason? {
        Self.validate(user: user, microseconds: microseconds, location: location, receivedAt: receivedAt, rules: rules)
    }

    /// Checks an event's fields against DESIGN.md's rules without building the event, for the
    /// request path, where every retain counts.
    ///
    /// - Parameters:
    ///   - user: Who was seen.
    ///   - microseconds: When, in microseconds since 1970.
    ///   - location: Where in the application, if known.
    ///   - receivedAt: When the event reached Presence, in microseconds since 1970.
    ///   - rules: The limits to apply.
    /// - Returns: Why the event must be rejected, or `nil` when it may be stored.
    public static func validate(
        user: String,
        microseconds: Int64,
        location: String?,
        receivedAt: Int64,
        rules: Rules
    ) -> RejectionReason? {
        if user.utf8.isEmpty {
            return RejectionReason(.emptyUser, "the user is empty")
        }
        if let reason = check(user, "user", limit: Rules.maximumUserBytes, tooLong: .userTooLong, nul: .nulInUser) {
            return reason
        }
        if let location,
            let reason = check(
                location,
                "location",
                limit: Rules.maximumLocationBytes,
                tooLong: .locationTooLong,
                nul: .nulInLocation
            )
        {
            return reason
        }
        guard Rules.earliest <= microseconds, microseconds < Rules.latest else {
            return RejectionReason(.timeOutOfRange, "the time lies outside the years 0001 to 9999")
        }
        let skew = microseconds - receivedAt
        if skew > rules.allowedClockSkewMicroseconds {
            return RejectionReason(
                .timeInFuture,
                "the time lies \((skew + 999_999) / 1_000_000) s ahead of the clock, more than the allowed skew of \(rules.allowedClockSkewMicroseconds / 1_000_000) s"
            )
        }
        return nil
    }

    /// Checks the event against DESIGN.md's rules.
    ///
    /// - Parameters:
    ///   - receivedAt: When the event reached Presence.
    ///   - rules: The limits to apply; the defaults are DESIGN.md's.
    /// - Returns: Why the event must be rejected, or `nil` when it may be stored.
    public func validate(receivedAt: Date, rules: Rules = Rules()) -> RejectionReason? {
        validate(receivedAt: Self.microseconds(of: receivedAt), rules: rules)
    }

    private static func check(
        _ text: String,
        _ field: String,
        limit: Int,
        tooLong: RejectionReason.Code,
        nul: RejectionReason.Code
    ) -> RejectionReason? {
        let bytes = text.utf8.count
        if bytes > limit {
            return RejectionReason(tooLong, "the \(field) is \(bytes) bytes long, more than the limit of \(limit)")
        }
        let hasNUL =
            text.utf8.withContiguousStorageIfAvailable { $0.firstIndex(of: 0) != nil } ?? text.utf8.contains(0)
        if hasNUL {
            return RejectionReason(nul, "the \(field) contains a NUL byte")
        }
        return nil
    }

    /// The time now, in microseconds since 1970, read straight from the system clock.
    public static func microsecondsNow() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1_000
    }
}
