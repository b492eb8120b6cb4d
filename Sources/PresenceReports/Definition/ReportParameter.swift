import PresenceModel

/// One parameter of a report, described once for every front end: `--from T` on the command
/// line, `from=T` in a query string.
public struct ReportParameter: Sendable, Hashable {
    /// What a value is, and how its text is read.
    public enum Kind: Sendable, Hashable {
        /// An RFC 3339 time in the years 0001 to 9999 in UTC.
        case time
        /// A whole positive duration and its unit: `90s`, `5m`, `2h`, `7d`.
        case duration
        /// One of a few words.
        case choice([String])
        /// An IANA time zone name; the report checks it against PostgreSQL's list.
        case zone
        /// Any text, such as a user's id.
        case text
        /// A whole number from 1 to ``maximumCount``, such as how many rows at most.
        case count
        /// A cell of the retention triangle: a time in the cohort's period and a period
        /// number from 0 to ``maximumCount``, two words on the command line
        /// (`--users 2026-10-05T00:00:00Z 2`) and one with a comma in a query string
        /// (`users=2026-10-05T00:00:00Z,2`).
        case cell

        /// The largest ``count``.
        public static let maximumCount = 100_000

        /// How many words of the command line its value takes.
        public var words: Int {
            self == .cell ? 2 : 1
        }

        /// Reads a value of this kind given as text, as every front end reads it; `nil` when
        /// the text is not one.
        public func value(of text: String) -> ReportValue? {
            switch self {
            case .time:
                // PostgreSQL has no year 0, and RFC 3339 no year 10000.
                guard let time = Timestamp(rfc3339: text), time.isInWrittenYears else { return nil }
                return .time(time)
            case .duration:
                return DurationText.duration(text).map(ReportValue.duration)
            case .choice(let words):
                return words.contains(text) ? .text(text) : nil
            case .zone, .text:
                return .text(text)
            case .count:
                guard let count = Int(text), (1...Self.maximumCount).contains(count) else { return nil }
                return .count(count)
            case .cell:
                let parts = text.split(whereSeparator: { $0 == "," || $0 == " " })
                guard parts.count == 2, case .time(let time)? = Self.time.value(of: String(parts[0])),
                    let number = Int(parts[1]), (0...Self.maximumCount).contains(number)
                else { return nil }
                return .cell(time, number)
            }
        }
    }

    /// The value a parameter has when it is not given.
    public enum Default: Sendable, Hashable {
        /// None: the parameter must be given.
        case required
        /// None, and none is needed: the report runs without it.
        case absent
        /// This text, read as a given one would be.
        case text(String)
        /// The moment the report runs (a time).
        case now
        /// 0001-01-01T00:00:00Z (a time).
        case earliest
        /// 10000-01-01T00:00:00Z, the end of time for a range (a time).
        case latest
    }

    /// Its name, `from` or `as-of`: the option `--as-of` on the command line.
    public var name: String
    /// What its value is.
    public var kind: Kind
    /// Its value when not given.
    public var defaultValue: Default
    /// Whether the command line takes it without a name, in order (`presence last-seen USER`);
    /// the HTTP API takes it from the path.
    public var isPositional: Bool
    /// One sentence for help texts.
    public var help: String

    /// Describes a parameter.
    public init(_ name: String, _ kind: Kind, default defaultValue: Default = .required, positional: Bool = false, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.isPositional = positional
        self.help = help
    }

    /// Its name in a query string: `as_of` for `as-of`.
    public var queryName: String {
        String(name.map { $0 == "-" ? "_" : $0 })
    }

    /// Reads a value given as text; `nil` when the text is not a value of its kind.
    public func value(of text: String) -> ReportValue? {
        kind.value(of: text)
    }

    /// A duration parameter, `default` when not given.
    public static func duration(_ name: String, default value: Duration, help: String) -> ReportParameter {
        ReportParameter(name, .duration, default: .text(DurationText.format(value)), help: help)
    }

    /// The start of a report's range.
    public static let from = ReportParameter(
        "from",
        .time,
        help: "The start of the range, RFC 3339; a report of local hours, days or weeks starts with the one that holds it."
    )
    /// The end of a report's range.
    public static let to = ReportParameter("to", .time, help: "The end of the range (excluded), RFC 3339.")
    /// The time zone of a report's local hours, days and weeks.
    public static let timeZone = ReportParameter(
        "tz",
        .zone,
        default: .text("UTC"),
        help: "The IANA time zone of local hours, days and weeks (checked by every report)."
    )
    /// A range and its zone: what every report of a range takes.
    public static let range = [from, to, timeZone]
    /// The moment a report of presence (online, locations) is for.
    public static let at = ReportParameter("at", .time, default: .now, help: "The moment, RFC 3339.")
    /// How recent a last seen counts as online, for a report of presence.
    public static let threshold = duration(
        "threshold",
        default: PresenceDefaults.onlineThreshold,
        help: "How recent a last seen counts as online: 90s, 5m, 2h, 7d."
    )
    /// The user a report is about, first on the command line and in the HTTP path.
    public static let user = ReportParameter("user", .text, positional: true, help: "The user.")
}
