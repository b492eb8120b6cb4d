import ArgumentParser
import PresenceModel
import PresenceReports

/// A command-line time in RFC 3339 (`2026-11-29T10:00:00Z`, offsets allowed), in the years
/// 0001 to 9999 in UTC.
struct TimeArgument: ExpressibleByArgument, Sendable {
    /// The time.
    let time: Timestamp

    init?(argument: String) {
        // Read as every report's time parameter is: the years 0001 to 9999 in UTC.
        guard case .time(let time)? = ReportParameter.Kind.time.value(of: argument) else { return nil }
        self.time = time
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
