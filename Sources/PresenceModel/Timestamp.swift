import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A moment, to the microsecond, as PostgreSQL's `timestamptz` holds it.
///
/// Whole microseconds since 1970-01-01T00:00:00Z, so that parsing, storing and reading a time
/// never moves it by a microsecond (a `Date` is a binary floating-point number and cannot hold
/// every microsecond). RFC 3339 in and out (``init(rfc3339:)``, ``rfc3339``), `Date` at the
/// edges where applications have one.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microsecondsSince1970: Int64

    /// The moment `microsecondsSince1970` microseconds after 1970-01-01T00:00:00Z.
    public init(microsecondsSince1970: Int64) {
        self.microsecondsSince1970 = microsecondsSince1970
    }

    /// A `Date`, rounded to the microsecond; ``invalid`` (which no rule accepts) for a date that
    /// is not finite or lies far outside the years 0001 to 9999.
    public init(_ date: Date) {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 1e12 else {
            self = .invalid
            return
        }
        self.init(microsecondsSince1970: Int64((seconds * 1_000_000).rounded()))
    }

    /// An RFC 3339 time (see ``RFC3339/parse(_:)``), or `nil` when the text is not one.
    public init?(rfc3339 text: some StringProtocol) {
        guard let microseconds = RFC3339.parse(text) else { return nil }
        self.init(microsecondsSince1970: microseconds)
    }

    /// The time now, read straight from the system clock.
    public static var now: Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(microsecondsSince1970: Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1_000)
    }

    /// 0001-01-01T00:00:00Z, the earliest time PostgreSQL and RFC 3339 both write.
    public static let earliest = Timestamp(microsecondsSince1970: -62_135_596_800_000_000)
    /// 10000-01-01T00:00:00Z, the first time they no longer write.
    public static let latest = Timestamp(microsecondsSince1970: 253_402_300_800_000_000)
    /// The smallest value, which stands for a `Date` that is no time at all.
    public static let invalid = Timestamp(microsecondsSince1970: .min)

    /// Whether the time lies in the years 0001 to 9999 in UTC.
    public var isInWrittenYears: Bool {
        Self.earliest <= self && self < Self.latest
    }

    /// The time in RFC 3339, in UTC: `2026-03-29T01:10:00.000001Z`, with six fraction digits
    /// when it has a fraction and none when it has not. Only for the years 0001 to 9999.
    public var rfc3339: String {
        RFC3339.format(microsecondsSince1970)
    }

    /// The time as a `Date`, to the precision a `Date` has.
    public var date: Date {
        Date(timeIntervalSince1970: TimeInterval(microsecondsSince1970) / 1_000_000)
    }

    /// ``rfc3339``.
    public var description: String { rfc3339 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSince1970 < rhs.microsecondsSince1970
    }

    /// The time `duration` later, to the microsecond (rounded toward zero).
    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(microsecondsSince1970: lhs.microsecondsSince1970 + rhs.wholeMicroseconds)
    }

    /// The time `duration` earlier, to the microsecond (rounded toward zero).
    public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(microsecondsSince1970: lhs.microsecondsSince1970 - rhs.wholeMicroseconds)
    }

    /// The span from `rhs` to `lhs`.
    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration {
        .microseconds(lhs.microsecondsSince1970 - rhs.microsecondsSince1970)
    }
}
