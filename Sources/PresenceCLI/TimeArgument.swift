import ArgumentParser
import PresenceModel

/// A command-line time in RFC 3339 (`2026-11-29T10:00:00Z`, offsets allowed).
struct TimeArgument: ExpressibleByArgument, Sendable {
    /// The time in microseconds since 1970.
    let microseconds: Int64

    init?(argument: String) {
        guard let microseconds = RFC3339.parse(argument) else { return nil }
        self.microseconds = microseconds
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
