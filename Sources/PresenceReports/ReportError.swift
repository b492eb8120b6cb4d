/// A report that cannot be made from what was asked: one sentence that says why.
public struct ReportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem. New codes may be added; do not switch over them exhaustively.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable name for the kind, for example `unknown_user`.
        public let description: String

        init(_ description: String) { self.description = description }

        /// The user has no events at all.
        public static let unknownUser = Code("unknown_user")
        /// The range is empty or reversed.
        public static let invalidRange = Code("invalid_range")
        /// The time zone is not an IANA name PostgreSQL knows.
        public static let unknownTimeZone = Code("unknown_time_zone")
        /// A report's output folder or file cannot be written.
        public static let unwritableOutput = Code("unwritable_output")
    }

    /// The kind of problem.
    public let code: Code
    /// What is wrong, in one sentence.
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// Fails unless `from` lies before `to`, the check every report of a range makes.
    static func requireRange(from: Int64, to: Int64) throws {
        guard from < to else {
            throw ReportError(.invalidRange, "The range is empty: --from must be before --to.")
        }
    }

    /// The most rows (buckets or days) a report of a range lists: 11 years of hours, 273 years
    /// of days. The years 0001 to 9999 by the hour would be 87 million rows, minutes of work
    /// and gigabytes of memory for an answer no one reads.
    public static let maximumRows: Int64 = 100_000

    /// Fails when a range would list more than ``maximumRows`` rows of `unit` (hour, day,
    /// week) of `length` microseconds each; `longerBucket` says a longer bucket would do.
    static func requireRows(from: Int64, to: Int64, unit: String, length: Int64, longerBucket: Bool = false) throws {
        let rows = (to - from) / length + 1
        guard rows <= maximumRows else {
            throw ReportError(
                .invalidRange,
                "The range holds \(rows) \(unit)s, more than the \(maximumRows) a report lists: choose a shorter range\(longerBucket ? " or a longer bucket" : "")."
            )
        }
    }
}
