import PresenceModel

/// A report's range, `[from, to)`, and the IANA time zone of its local hours, days and weeks.
public struct ReportRange: Sendable, Hashable {
    /// The start of the range; the local hour, day or week that holds it is included.
    public var from: Timestamp
    /// The end of the range (excluded).
    public var to: Timestamp
    /// An IANA time zone name, for example `Europe/Berlin`.
    public var timeZone: String

    /// Describes a range.
    public init(from: Timestamp, to: Timestamp, timeZone: String) {
        self.from = from
        self.to = to
        self.timeZone = timeZone
    }

    /// The range of a report's ``ReportParameter/range`` parameters.
    public init(_ arguments: ReportArguments) throws(ReportError) {
        self.init(from: try arguments.time("from"), to: try arguments.time("to"), timeZone: try arguments.text("tz"))
    }
}
