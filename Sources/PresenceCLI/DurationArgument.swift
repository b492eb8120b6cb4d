import ArgumentParser
import PresenceModel
import PresenceReports

/// A command-line duration: a whole number and a unit, `90s`, `5m`, `2h` or `7d`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    /// The duration.
    let duration: Duration

    init?(argument: String) {
        guard case .duration(let duration)? = ReportParameter.Kind.duration.value(of: argument) else { return nil }
        self.duration = duration
    }

    init(_ duration: Duration) {
        self.duration = duration
    }

    var defaultValueDescription: String {
        DurationText.format(duration)
    }
}
