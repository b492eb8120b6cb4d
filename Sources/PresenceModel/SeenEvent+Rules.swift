extension SeenEvent {
    /// The limits an event must keep to be stored. The defaults are DESIGN.md's.
    public struct Rules: Sendable, Hashable {
        /// The longest user id, in bytes of UTF-8: 256, as the schema enforces.
        public static let maximumUserBytes = 256
        /// The longest location, in bytes of UTF-8: 2048, as the schema enforces.
        public static let maximumLocationBytes = 2048
        /// How far an event's time may lie ahead of the time it is received. Default 5 minutes.
        public var allowedClockSkew = PresenceDefaults.allowedClockSkew

        /// The earliest time an event may have, 0001-01-01T00:00:00Z, in microseconds since 1970.
        public static let earliest: Int64 = -62_135_596_800_000_000
        /// The first time an event may no longer have, 10000-01-01T00:00:00Z, in microseconds
        /// since 1970.
        public static let latest: Int64 = 253_402_300_800_000_000

        /// Creates the default rules.
        public init() {}

        var allowedClockSkewMicroseconds: Int64 {
            allowedClockSkew.wholeMicroseconds
        }
    }
}
