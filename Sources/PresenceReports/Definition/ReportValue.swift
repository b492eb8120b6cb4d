import PresenceModel

/// A report parameter's value, read from its text (``ReportParameter/value(of:)``).
public enum ReportValue: Sendable, Hashable {
    /// A time.
    case time(Timestamp)
    /// A span.
    case duration(Duration)
    /// A word, a zone's name or other text.
    case text(String)
    /// A whole number of at least 1.
    case count(Int)
    /// A cell of the retention triangle: a time in the cohort's period and a period number.
    case cell(Timestamp, Int)
}
