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
public struct SeenEvent: Sendable, Hashable {
    /// The event's identity; a UUIDv7 when the producer gives none.
    public var id: UUID
    /// Who was seen: 1 to 256 bytes of UTF-8, no NUL. Stored and returned exactly.
    public var user: String
    /// When the user was seen.
    public var at: Timestamp
    /// Where in the application the user was seen, up to 2048 bytes of UTF-8, no NUL.
    public var location: String?

    /// Creates an event without checking it.
    ///
    /// - Parameters:
    ///   - id: The event's identity; a new UUIDv7 for the time `at` when omitted.
    ///   - user: The user who was seen.
    ///   - at: When the user was seen.
    ///   - location: Where in the application the user was seen, if known.
    public init(id: UUID? = nil, user: String, at: Timestamp, location: String? = nil) {
        self.id = id ?? UUID.version7(at: at)
        self.user = user
        self.at = at
        self.location = location
    }

    /// Creates an event at a `Date`, without checking it.
    ///
    /// - Parameters:
    ///   - id: The event's identity; a new UUIDv7 for the time `at` when omitted.
    ///   - user: The user who was seen.
    ///   - at: When the user was seen; rounded to the microsecond.
    ///   - location: Where in the application the user was seen, if known.
    public init(id: UUID? = nil, user: String, at: Date, location: String? = nil) {
        self.init(id: id, user: user, at: Timestamp(at), location: location)
    }

    /// Checks the event against DESIGN.md's rules.
    ///
    /// - Parameters:
    ///   - receivedAt: When the event reached Presence; the event's time may lie at most
    ///     ``Rules/allowedClockSkew`` after it.
    ///   - rules: The limits to apply; the defaults are DESIGN.md's.
    /// - Returns: Why the event must be rejected, or `nil` when it may be stored.
    public func validate(receivedAt: Timestamp, rules: Rules = Rules()) -> RejectionReason? {
        Self.validate(user: user, at: at, location: location, receivedAt: receivedAt, rules: rules)
    }

    /// Checks an event's fields against DESIGN.md's rules without building the event, for the
    /// request path, where every retain counts.
    ///
    /// - Parameters:
    ///   - user: Who was seen.
    ///   - at: When.
    ///   - location: Where in the application, if known.
    ///   - receivedAt: When the event reached Presence.
    ///   - rules: The limits to apply.
    /// - Returns: Why the event must be rejected, or `nil` when it may be stored.
    public static func validate(
        user: String,
        at: Timestamp,
        location: String?,
        receivedAt: Timestamp,
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
        guard at.isInWrittenYears else {
            return RejectionReason(.timeOutOfRange, "the time lies outside the years 0001 to 9999")
        }
        let skew = at.microsecondsSince1970 - receivedAt.microsecondsSince1970
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
        validate(receivedAt: Timestamp(receivedAt), rules: rules)
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
}
