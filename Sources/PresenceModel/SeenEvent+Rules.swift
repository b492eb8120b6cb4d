extension SeenEvent {
    /// The limits an event must keep to be stored. The defaults are DESIGN.md's.
    public struct Rules: Sendable, Hashable {
        /// The longest user id, in bytes of UTF-8: 256, as the schema enforces.
        public static let maximumUserBytes = 256
        /// The longest location, in bytes of UTF-8: 2048, as the schema enforces.
        public static let maximumLocationBytes = 2048
        /// How far an event's time may lie ahead of the time it is received. Default 5 minutes.
        public var allowedClockSkew = PresenceDefaults.allowedClockSkew {
            didSet { allowedClockSkewMicroseconds = allowedClockSkew.wholeMicroseconds }
        }

        /// ``allowedClockSkew`` in microseconds, kept beside it: `Duration`'s arithmetic on
        /// every `seen()` cost about a tenth of the call.
        private(set) var allowedClockSkewMicroseconds = PresenceDefaults.allowedClockSkew.wholeMicroseconds

        /// Creates the default rules.
        public init() {}
    }
}
