/// Reads and writes RFC 3339 times (`2026-11-29T10:00:00.000001Z`, `2026-11-29T11:00:00+01:00`)
/// exactly, to the microsecond.
///
/// Foundation's ISO 8601 formats go through `Date`, a binary floating-point number that cannot
/// hold every microsecond of years far from 2001, and they are strict about the fraction's
/// length; the contract here is "microseconds, any RFC 3339 offset", hence this small codec.
package enum RFC3339 {
    /// Parses an RFC 3339 time.
    ///
    /// Accepts `T`, `t` or a space between date and time, a fraction of any length (rounded to
    /// the nearest microsecond), and `Z`, `z` or a `±HH:MM` offset. A leap second (`:60`) counts
    /// as the first instant of the next minute, as PostgreSQL reads it.
    ///
    /// - Parameter text: The time.
    /// - Returns: Microseconds since 1970-01-01T00:00:00Z, or `nil` when the text is not an
    ///   RFC 3339 time or names a date that does not exist.
    package static func parse(_ text: some StringProtocol) -> Int64? {
        var bytes = text.utf8.makeIterator()
        var current = bytes.next()

        func digits(_ count: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<count {
                guard let byte = current, byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int64(byte - 0x30)
                current = bytes.next()
            }
            return value
        }
        func expect(_ allowed: UInt8...) -> Bool {
            guard let byte = current, allowed.contains(byte) else { return false }
            current = bytes.next()
            return true
        }

        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2),
            expect(0x54, 0x74, 0x20),  // T t space
            let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A), let second = digits(2)
        else { return nil }

        var fraction: Int64 = 0
        if current == 0x2E {  // .
            current = bytes.next()
            var scale: Int64 = 100_000
            var roundUp = false
            var count = 0
            while let byte = current, byte >= 0x30, byte <= 0x39 {
                let digit = Int64(byte - 0x30)
                if count < 6 {
                    fraction += digit * scale
                    scale /= 10
                } else if count == 6 {
                    roundUp = digit >= 5
                }
                count += 1
                current = bytes.next()
            }
            guard count > 0 else { return nil }
            if roundUp { fraction += 1 }
        }

        var offsetSeconds: Int64 = 0
        switch current {
        case 0x5A, 0x7A:  // Z z
            current = bytes.next()
        case 0x2B, 0x2D:  // + -
            let sign: Int64 = current == 0x2D ? -1 : 1
            current = bytes.next()
            guard let offsetHours = digits(2), expect(0x3A), let offsetMinutes = digits(2), offsetHours <= 23,
                offsetMinutes <= 59
            else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        default:
            return nil
        }
        guard current == nil else { return nil }

        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour <= 23, minute <= 59,
            second <= 60
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * 1_000_000 + fraction
    }

    /// Writes a time as RFC 3339 in UTC: `2026-03-29T01:10:00.000001Z`, with six fraction
    /// digits when the time has a fraction and none when it has not.
    ///
    /// - Parameter microseconds: Microseconds since 1970-01-01T00:00:00Z, in the years 0001 to 9999.
    package static func format(_ microseconds: Int64) -> String {
        let (seconds, fraction) = floorDivide(microseconds, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if fraction != 0 { text += "." + pad(fraction, 6) }
        return text + "Z"
    }

    /// The most bytes ``write(_:into:)`` writes.
    package static let maximumLength = 27

    /// Writes a time as ``format(_:)`` does, into raw memory, without allocating: for encoders
    /// that write many times into one buffer.
    ///
    /// - Parameters:
    ///   - microseconds: Microseconds since 1970-01-01T00:00:00Z, in the years 0001 to 9999.
    ///   - buffer: Room for at least ``maximumLength`` bytes.
    /// - Returns: How many bytes were written.
    package static func write(_ microseconds: Int64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let (seconds, fraction) = floorDivide(microseconds, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        var index = 0
        func digits(_ value: Int64, _ width: Int) {
            var value = value
            var position = index + width - 1
            while position >= index {
                buffer[position] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
                value /= 10
                position -= 1
            }
            index += width
        }
        func byte(_ value: UInt8) {
            buffer[index] = value
            index += 1
        }
        digits(year, 4)
        byte(UInt8(ascii: "-"))
        digits(month, 2)
        byte(UInt8(ascii: "-"))
        digits(day, 2)
        byte(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2)
        byte(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2)
        byte(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        if fraction != 0 {
            byte(UInt8(ascii: "."))
            digits(fraction, 6)
        }
        byte(UInt8(ascii: "Z"))
        return index
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func isLeap(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
