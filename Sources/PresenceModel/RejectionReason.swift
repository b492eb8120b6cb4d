/// Why an event was not stored: a stable ``code`` to count by, and a sentence for people.
public struct RejectionReason: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable name for the kind of rejection, usable as a metric label.
    ///
    /// New codes may be added; do not switch over them exhaustively.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The label, for example `user_too_long`.
        public let description: String

        init(_ description: String) { self.description = description }

        /// The user is the empty string.
        public static let emptyUser = Code("empty_user")
        /// The user is longer than 256 bytes.
        public static let userTooLong = Code("user_too_long")
        /// The user contains a NUL byte.
        public static let nulInUser = Code("nul_in_user")
        /// The location is longer than 2048 bytes.
        public static let locationTooLong = Code("location_too_long")
        /// The location contains a NUL byte.
        public static let nulInLocation = Code("nul_in_location")
        /// The time lies outside the years 0001 to 9999.
        public static let timeOutOfRange = Code("time_out_of_range")
        /// The time lies further ahead of the receiving clock than the allowed skew.
        public static let timeInFuture = Code("time_in_future")
        /// The input could not be read as an event at all.
        public static let malformed = Code("malformed")
    }

    /// The kind of rejection.
    public let code: Code
    /// One sentence that says what is wrong, for example "the user is empty".
    public let description: String

    /// Creates a reason.
    ///
    /// - Parameters:
    ///   - code: The kind of rejection.
    ///   - description: One sentence that says what is wrong with the event.
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
