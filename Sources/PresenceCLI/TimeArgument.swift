import ArgumentParser
import PresenceModel

/// A command-line time in RFC 3339 (`2026-11-29T10:00:00Z`, offsets allowed), in the years
/// 0001 to 9999 in UTC.
struct TimeArgument: ExpressibleByArgument, Sendable {
    /// The time in microseconds since 1970.
    let microseconds: Int64

    init?(argument: String) {
        // Only the years 0001 to 9999 in UTC: what RFC3339.format writes back and PostgreSQL
        // reads (it has no year 0).
        guard let microseconds = RFC3339.parse(argument),
            (SeenEvent.Rules.earliest..<SeenEvent.Rules.latest).contains(microseconds)
        else { return nil }
        self.microseconds = microseconds
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
