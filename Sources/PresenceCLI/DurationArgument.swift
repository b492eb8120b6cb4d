import ArgumentParser

/// A command-line duration: a whole number and a unit, `90s`, `5m`, `2h` or `7d`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    /// The duration in seconds.
    let seconds: Int64

    init?(argument: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = argument.last.flatMap({ units[$0] }),
            argument.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }),
            let count = Int64(argument.dropLast()), count > 0, count <= 36_500 * 86_400 / unit
        else { return nil }
        seconds = count * unit
    }

    init(seconds: Int64) {
        self.seconds = seconds
    }

    var defaultValueDescription: String {
        seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds)s"
    }
}
