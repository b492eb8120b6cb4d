/// A POSIX TZ string as a TZif footer holds it (RFC 8536, section 3.3): the offsets of a
/// zone after its file's last listed change, with the yearly rule of its summer time, such as
/// `CET-1CEST,M3.5.0,M10.5.0/3` or `<+1030>-10:30<+11>-11,M10.1.0,M4.1.0`.
struct PosixRule: Sendable {
    /// A day of the year and a local time on it.
    struct Moment: Sendable {
        enum Day: Sendable {
            /// `Jn`: day n of 1 to 365, February 29 never counted.
            case julian(Int)
            /// `n`: day n of 0 to 365, February 29 counted.
            case ordinal(Int)
            /// `Mm.w.d`: weekday d (0 is Sunday) of week w (5 is the last) of month m.
            case weekday(month: Int, week: Int, day: Int)
        }

        var day: Day
        /// Seconds after the day's local midnight; negative or past a day (RFC 8536 allows
        /// -167 to 167 hours).
        var time: Int64
    }

    /// The standard offset, in seconds east of UTC.
    var standard: Int64
    /// The summer offset, its start (in standard time) and its end (in summer time).
    var summer: (offset: Int64, start: Moment, end: Moment)?

    init?(_ text: String) {
        var scanner = Substring(text)
        guard Self.skipName(&scanner), let standard = Self.offset(&scanner) else { return nil }
        self.standard = standard
        if scanner.isEmpty {
            summer = nil
            return
        }
        guard Self.skipName(&scanner) else { return nil }
        let offset = scanner.first == "," ? standard + 3_600 : Self.offset(&scanner)
        guard let offset, scanner.popFirst() == ",", let start = Self.moment(&scanner), scanner.popFirst() == ",",
            let end = Self.moment(&scanner), scanner.isEmpty
        else { return nil }
        summer = (offset, start, end)
    }

    /// The offset at a moment, in seconds east of UTC.
    func offset(at seconds: Int64) -> Int64 {
        guard let summer else { return standard }
        let year = Self.civil(days: Self.floorDivide(seconds + standard, 86_400)).year
        let start = instant(summer.start, year: year, offset: standard)
        let end = instant(summer.end, year: year, offset: summer.offset)
        let inSummer = start < end ? (seconds >= start && seconds < end) : !(seconds >= end && seconds < start)
        return inSummer ? summer.offset : standard
    }

    /// The moments of a year where summer time starts or ends, in seconds since 1970.
    func changes(in year: Int) -> [Int64] {
        guard let summer else { return [] }
        return [instant(summer.start, year: year, offset: standard), instant(summer.end, year: year, offset: summer.offset)]
    }

    private func instant(_ moment: Moment, year: Int, offset: Int64) -> Int64 {
        let days: Int64
        switch moment.day {
        case .julian(let n):
            days = Self.days(year: year, month: 1, day: 1) + Int64(n - 1) + (Self.isLeap(year) && n >= 60 ? 1 : 0)
        case .ordinal(let n):
            days = Self.days(year: year, month: 1, day: 1) + Int64(n)
        case .weekday(let month, let week, let weekday):
            let first = Self.days(year: year, month: month, day: 1)
            // 1970-01-01 was a Thursday (4).
            let firstWeekday = Int((first % 7 + 7 + 4) % 7)
            var day = 1 + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
            while day > Self.length(year: year, month: month) { day -= 7 }
            days = first + Int64(day - 1)
        }
        return days * 86_400 + moment.time - offset
    }

    // MARK: Reading the text

    private static func skipName(_ scanner: inout Substring) -> Bool {
        if scanner.first == "<" {
            guard let close = scanner.firstIndex(of: ">") else { return false }
            scanner = scanner[scanner.index(after: close)...]
            return true
        }
        let name = scanner.prefix { $0.isLetter }
        scanner = scanner.dropFirst(name.count)
        return name.count >= 3
    }

    /// `[+|-]hh[:mm[:ss]]`, west of UTC as POSIX counts it, as seconds east of UTC.
    private static func offset(_ scanner: inout Substring) -> Int64? {
        time(&scanner).map { -$0 }
    }

    /// `[+|-]hh[:mm[:ss]]` as seconds.
    private static func time(_ scanner: inout Substring) -> Int64? {
        var sign: Int64 = 1
        if scanner.first == "+" || scanner.first == "-" {
            if scanner.removeFirst() == "-" { sign = -1 }
        }
        var seconds: Int64 = 0
        for (index, unit) in [Int64(3_600), 60, 1].enumerated() {
            if index > 0 {
                guard scanner.first == ":" else { break }
                scanner.removeFirst()
            }
            guard let value = number(&scanner) else { return nil }
            seconds += Int64(value) * unit
        }
        return sign * seconds
    }

    private static func number(_ scanner: inout Substring) -> Int? {
        let digits = scanner.prefix { $0.isASCII && $0.isNumber }
        scanner = scanner.dropFirst(digits.count)
        return Int(digits)
    }

    private static func moment(_ scanner: inout Substring) -> Moment? {
        let day: Moment.Day
        switch scanner.first {
        case "J":
            scanner.removeFirst()
            guard let n = number(&scanner) else { return nil }
            day = .julian(n)
        case "M":
            scanner.removeFirst()
            guard let month = number(&scanner), scanner.popFirst() == ".", let week = number(&scanner),
                scanner.popFirst() == ".", let weekday = number(&scanner)
            else { return nil }
            day = .weekday(month: month, week: week, day: weekday)
        default:
            guard let n = number(&scanner) else { return nil }
            day = .ordinal(n)
        }
        var time: Int64 = 7_200
        if scanner.first == "/" {
            scanner.removeFirst()
            guard let given = Self.time(&scanner) else { return nil }
            time = given
        }
        return Moment(day: day, time: time)
    }

    // MARK: The proleptic Gregorian calendar

    /// Days since 1970-01-01 of a date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * Int64(month > 2 ? month - 3 : month + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        return (Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0), month, day)
    }

    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func length(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }
}
