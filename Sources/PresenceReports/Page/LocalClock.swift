import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore

/// The local date and time, in a report's time zone, of each moment the HTML page names.
///
/// They are read from PostgreSQL's zone data, as the reports' edges are, so that the page's
/// labels agree with the reports in every zone PostgreSQL knows. Foundation's zone data are
/// ICU's, of another release than the system's, and lack some of PostgreSQL's names.
///
/// The names are English and fixed (`Mon`, `Nov`) rather than from the machine's locale, so
/// the page reads the same wherever it is made.
public struct LocalClock: Sendable, Hashable {
    /// A moment's local date and time.
    struct Reading: Sendable, Hashable {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
        /// The ISO weekday: 1 is Monday, 7 Sunday.
        var weekday: Int
    }

    /// The readings, by the moment.
    let readings: [Timestamp: Reading]

    static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Reads the local date and time of moments in a zone.
    ///
    /// - Parameters:
    ///   - moments: The moments.
    ///   - zone: The name `AT TIME ZONE` follows (``TimeZoneCheck/resolve(_:client:logger:)``).
    ///   - client: The pool to ask through.
    ///   - logger: Where to log the query.
    static func read(_ moments: Set<Timestamp>, zone: String, client: PostgresClient, logger: Logger) async throws -> LocalClock {
        let rows: [PostgresRow]
        do {
            rows = try await client.query(
                """
                SELECT m, extract(year FROM l)::int, extract(month FROM l)::int, extract(day FROM l)::int,
                       extract(hour FROM l)::int, extract(minute FROM l)::int, extract(isodow FROM l)::int
                FROM unnest(\(Array(moments))) AS m,
                     LATERAL (SELECT m AT TIME ZONE \(zone) AS l) AS local
                """,
                logger: logger
            ).collect()
        } catch {
            throw StoreError(database: error, while: "reading local times for the page")
        }
        var readings: [Timestamp: Reading] = [:]
        for row in rows {
            let (moment, year, month, day, hour, minute, weekday) = try row.decode((Timestamp, Int, Int, Int, Int, Int, Int).self)
            readings[moment] = Reading(year: year, month: month, day: day, hour: hour, minute: minute, weekday: weekday)
        }
        return LocalClock(readings: readings)
    }

    /// The local date of a moment as a number that grows by one a day; `nil` for a moment
    /// not read.
    func dayNumber(_ moment: Timestamp) -> Int? {
        readings[moment].map { $0.year * 10_000 + $0.month * 100 + $0.day }
    }

    /// `Mon 23 Nov`.
    func day(_ moment: Timestamp) -> String {
        guard let local = readings[moment] else { return Self.unread(moment) }
        return "\(Self.weekdayNames[local.weekday - 1]) \(local.day) \(Self.monthNames[local.month - 1])"
    }

    /// `Mon 23 Nov 2026`.
    func date(_ moment: Timestamp) -> String {
        guard let local = readings[moment] else { return Self.unread(moment) }
        return "\(day(moment)) \(local.year)"
    }

    /// `14:05`.
    func time(_ moment: Timestamp) -> String {
        guard let local = readings[moment] else { return Self.unread(moment) }
        return "\(Self.twoDigits(local.hour)):\(Self.twoDigits(local.minute))"
    }

    /// `Mon 23 Nov 2026 14:05`.
    func minute(_ moment: Timestamp) -> String {
        guard readings[moment] != nil else { return Self.unread(moment) }
        return "\(date(moment)) \(time(moment))"
    }

    /// `23 Nov` for a `YYYY-MM-DD` date, and `Mon 23 Nov 2026`; `nil` when it is not such a
    /// date. A date has its weekday in any zone: the calendar is read in UTC.
    static func dayLabel(isoDate: String) -> (short: String, long: String)? {
        let fields = isoDate.split(separator: "-").compactMap { Int($0) }
        guard fields.count == 3, (1...12).contains(fields[1]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        guard let date = calendar.date(from: DateComponents(year: fields[0], month: fields[1], day: fields[2])) else {
            return nil
        }
        // Foundation counts weekdays from Sunday = 1.
        let weekday = weekdayNames[(calendar.component(.weekday, from: date) + 5) % 7]
        let short = "\(fields[2]) \(monthNames[fields[1] - 1])"
        return (short, "\(weekday) \(short) \(fields[0])")
    }

    /// A moment the page did not read: in UTC, which its text says.
    private static func unread(_ moment: Timestamp) -> String {
        moment.rfc3339
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
