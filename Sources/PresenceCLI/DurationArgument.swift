import ArgumentParser
import PresenceModel

/// A command-line duration: a whole number and a unit, `90s`, `5m`, `2h` or `7d`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    /// The duration.
    let duration: Duration

    init?(argument: String) {
        guard let duration = DurationText.duration(argument) else { return nil }
        self.duration = duration
    }

    init(_ duration: Duration) {
        self.duration = duration
    }

    var defaultValueDescription: String {
        DurationText.format(duration)
    }
}
