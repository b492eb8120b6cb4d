import PresenceModel

/// A report that cannot be made from what was asked.
public typealias ReportError = DomainError<ReportErrorDomain>

/// The domain of ``ReportError``.
public enum ReportErrorDomain {}

extension ReportError {
    /// Fails unless `from` lies before `to`, the check every report of a range makes.
    static func requireRange(from: Timestamp, to: Timestamp) throws {
        guard from < to else {
            throw ReportError(.emptyRange, "The range is empty: its start must lie before its end.")
        }
    }

    /// The most rows (buckets or days) a report of a range lists: 11 years of hours, 273 years
    /// of days. The years 0001 to 9999 by the hour would be 87 million rows, minutes of work
    /// and gigabytes of memory for an answer no one reads.
    public static var maximumRows: Int64 { 100_000 }

    /// Fails when a range would list more than ``maximumRows`` rows of `unit` (hour, day,
    /// week) of `length` each; `longerBucket` says a longer bucket would do.
    static func requireRows(from: Timestamp, to: Timestamp, unit: String, length: Duration, longerBucket: Bool = false) throws {
        let rows = (to - from).wholeMicroseconds / length.wholeMicroseconds + 1
        guard rows <= maximumRows else {
            throw ReportError(
                .rangeTooLong,
                "The range holds \(rows) \(unit)s, more than the \(maximumRows) a report lists: choose a shorter range\(longerBucket ? " or a longer bucket" : "")."
            )
        }
    }
}

extension ErrorCode where Domain == ReportErrorDomain {
    /// The user has no events at all.
    public static var unknownUser: Self { Self("unknown_user") }
    /// The range is empty or reversed: its start does not lie before its end.
    public static var emptyRange: Self { Self("empty_range") }
    /// The range would list more than ``ReportError/maximumRows`` rows.
    public static var rangeTooLong: Self { Self("range_too_long") }
    /// The user asked about is no user an event can have.
    public static var invalidUser: Self { Self("invalid_user") }
    /// The location asked about is no location an event can have.
    public static var invalidLocation: Self { Self("invalid_location") }
    /// The time zone is not an IANA name PostgreSQL knows.
    public static var unknownTimeZone: Self { Self("unknown_time_zone") }
    /// A report's output folder or file cannot be written.
    public static var unwritableOutput: Self { Self("unwritable_output") }
    /// The retention cell asked for lies outside the report's triangle.
    public static var noSuchCell: Self { Self("no_such_cell") }
    /// A report asks for a parameter it does not declare: a mistake in the build.
    public static var unknownParameter: Self { Self("unknown_parameter") }
}
