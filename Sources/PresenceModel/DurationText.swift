/// Durations as DESIGN.md writes them on the command line and in the HTTP API: a whole
/// positive number and a unit, `90s`, `5m`, `2h` or `7d`.
public enum DurationText {
    /// The longest duration accepted: 100 years of days.
    public static let maximum: Duration = .seconds(36_500 * 86_400)

    /// The duration the text names; `nil` when the text is not such a duration, is zero or is
    /// longer than ``maximum``.
    public static func duration(_ text: String) -> Duration? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }),
            !text.dropLast().isEmpty, text.dropLast().allSatisfy({ $0.isASCII && $0.isNumber }),
            let count = Int64(text.dropLast()), count > 0, count <= maximum.wholeSeconds / unit
        else { return nil }
        return .seconds(count * unit)
    }

    /// The duration in its largest whole unit: `90s`, `5m`, `2h`, `7d` (whole seconds).
    public static func format(_ duration: Duration) -> String {
        let seconds = duration.wholeSeconds
        for (unit, suffix) in [(Int64(86_400), "d"), (3_600, "h"), (60, "m")] where seconds % unit == 0 && seconds >= unit {
            return "\(seconds / unit)\(suffix)"
        }
        return "\(seconds)s"
    }

    /// The sentence that says what a duration must look like, naming the bad one.
    public static func problem(_ text: String, name: String) -> String {
        "The \(name) \"\(text.prefix(64))\" is not a duration: write a whole positive number and a unit, such as 90s, 5m, 2h or 7d (at most 36500d)."
    }
}
