import ArgumentParser
import PresenceModel

/// A command-line time in RFC 3339 (`2026-11-29T10:00:00Z`, offsets allowed), in the years
/// 0001 to 9999 in UTC.
struct TimeArgument: ExpressibleByArgument, Sendable {
    /// The time.
    let time: Timestamp

    init?(argument: String) {
        // Only the years 0001 to 9999 in UTC: what RFC 3339 writes back and PostgreSQL reads
        // (it has no year 0).
        guard let time = Timestamp(rfc3339: argument), time.isInWrittenYears else { return nil }
        self.time = time
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
