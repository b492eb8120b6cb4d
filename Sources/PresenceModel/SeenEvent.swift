import Foundation

/// One observation of a user: "this user was seen at this time, at this place in the app".
///
/// This is DESIGN.md's seen-event. Two events with the same ``id`` and the same ``at`` are the
/// same event sent twice (a duplicate): the log stores it once. Build one with
/// ``init(id:user:at:location:)`` and check it with ``validate(receivedAt:rules:)`` before it is
/// stored; the database enforces the same limits a second time.
public struct SeenEvent: Sendable, Hashable {
    /// The event's identity; generated as a UUIDv7 when the producer gives none.
    public var id: UUID
    /// Who was seen: 1 to 256 bytes of UTF-8, no NUL. Stored and returned exactly.
    public var user: String
    /// When the user was seen. PostgreSQL keeps microseconds; finer parts are rounded.
    public var at: Date
    /// Where in the application the user was seen, up to 2048 bytes of UTF-8, no NUL.
    public var location: String?

    /// Creates an event without checking it.
    ///
    /// - Parameters:
    ///   - id: The event's identity; a new UUIDv7 for the time `at` when omitted.
    ///   - user: The user who was seen.
    ///   - at: When the user was seen.
    ///   - location: Where in the application the user was seen, if known.
    public init(id: UUID? = nil, user: String, at: Date, location: String? = nil) {
        self.id = id ?? UUID.version7(at: at)
        self.user = user
        self.at = at
        self.location = location
    }

    /// Checks the event against DESIGN.md's rules.
    ///
    /// - Parameters:
    ///   - receivedAt: When the event reached Presence; `at` may lie at most
    ///     ``Rules/allowedClockSkew`` after it.
    ///   - rules: The limits to apply; the defaults are DESIGN.md's.
    /// - Returns: Why the event must be rejected, or `nil` when it may be stored.
    public func validate(receivedAt: Date, rules: Rules = Rules()) -> RejectionReason? {
        if user.utf8.isEmpty {
            return RejectionReason(.emptyUser, "the user is empty")
        }
        if let reason = Self.check(user, "user", limit: rules.maximumUserBytes, tooLong: .userTooLong, nul: .nulInUser) {
            return reason
        }
        if let location,
            let reason = Self.check(
                location, "location", limit: rules.maximumLocationBytes, tooLong: .locationTooLong, nul: .nulInLocation
            )
        {
            return reason
        }
        let seconds = at.timeIntervalSince1970
        guard seconds.isFinite, rules.earliest.timeIntervalSince1970 <= seconds,
            seconds < rules.latest.timeIntervalSince1970
        else {
            return RejectionReason(.timeOutOfRange, "the time lies outside the years 0001 to 9999")
        }
        let skew = at.timeIntervalSince(receivedAt)
        if skew > rules.allowedClockSkew.timeInterval {
            return RejectionReason(
                .timeInFuture,
                "the time lies \(Int(skew.rounded(.up))) s ahead of the clock, more than the allowed skew of \(Int(rules.allowedClockSkew.timeInterval)) s"
            )
        }
        return nil
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
        if text.utf8.contains(0) {
            return RejectionReason(nul, "the \(field) contains a NUL byte")
        }
        return nil
    }
}

extension Duration {
    /// The duration in seconds, as Foundation counts time.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
