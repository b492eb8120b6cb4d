import Foundation

/// Labels for times in the report's time zone: the charts show local days and hours.
///
/// The names are English and fixed (`Mon`, `Nov`) rather than from the machine's locale, so
/// the page reads the same wherever it is made.
struct LocalTime: Sendable {
    private let calendar: Calendar

    static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Labels in an IANA time zone; UTC when Foundation does not know the name.
    init(timeZone: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? .gmt
        self.calendar = calendar
    }

    private func parts(_ microseconds: Int64) -> DateComponents {
        calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .weekday],
            from: Date(timeIntervalSince1970: Double(microseconds) / 1_000_000))
    }

    /// The local hour of a time, 0 to 23.
    func hour(_ microseconds: Int64) -> Int {
        parts(microseconds).hour ?? 0
    }

    /// `Mon 23 Nov`.
    func day(_ microseconds: Int64) -> String {
        let parts = parts(microseconds)
        return "\(Self.weekdayNames[(parts.weekday ?? 1) - 1]) \(parts.day ?? 1) \(Self.monthNames[(parts.month ?? 1) - 1])"
    }

    /// `Mon 23 Nov 2026`.
    func date(_ microseconds: Int64) -> String {
        "\(day(microseconds)) \(parts(microseconds).year ?? 1970)"
    }

    /// `14:05`.
    func time(_ microseconds: Int64) -> String {
        let parts = parts(microseconds)
        return "\(Self.twoDigits(parts.hour ?? 0)):\(Self.twoDigits(parts.minute ?? 0))"
    }

    /// `Mon 23 Nov 2026 14:05`.
    func minute(_ microseconds: Int64) -> String {
        "\(date(microseconds)) \(time(microseconds))"
    }

    /// `23 Nov` for a `YYYY-MM-DD` date, and its weekday; `nil` when it is not such a date.
    static func dayLabel(isoDate: String) -> (short: String, long: String)? {
        let fields = isoDate.split(separator: "-").compactMap { Int($0) }
        guard fields.count == 3, (1...12).contains(fields[1]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        guard let date = calendar.date(from: DateComponents(year: fields[0], month: fields[1], day: fields[2])) else {
            return nil
        }
        let weekday = weekdayNames[calendar.component(.weekday, from: date) - 1]
        let short = "\(fields[2]) \(monthNames[fields[1] - 1])"
        return (short, "\(weekday) \(short) \(fields[0])")
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
