import ArgumentParser
import PresenceModel

/// A command-line duration: a whole number and a unit, `90s`, `5m`, `2h` or `7d`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    /// The duration in seconds.
    let seconds: Int64

    init?(argument: String) {
        guard let seconds = DurationText.seconds(argument) else { return nil }
        self.seconds = seconds
    }

    init(seconds: Int64) {
        self.seconds = seconds
    }

    var defaultValueDescription: String {
        DurationText.format(seconds: seconds)
    }
}
