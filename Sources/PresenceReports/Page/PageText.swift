import Foundation

/// Text for the HTML page: escaping and the way numbers and durations are written.
enum PageText {
    /// Text made safe for HTML content and attribute values (also inside SVG).
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A count with thousands separators: `12,345`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// A number for an axis or a tooltip: whole numbers grouped, others with up to 2 decimals.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return count(Int(value)) }
        return String(format: "%.2f", value)
    }

    /// A share as a percentage with at most one decimal: `42.5%`, `60%`, `<0.1%`; `–` for none.
    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        let tenths = (value * 1_000).rounded()
        if tenths == 0, value > 0 { return "<0.1%" }
        return (tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)) + "%"
    }

    /// A span as ``duration(seconds:)`` writes it.
    static func duration(_ span: Duration) -> String {
        duration(seconds: Double(span.wholeMicroseconds) / 1_000_000)
    }

    /// A duration in the largest fitting units: `0 s`, `45 s`, `4 min 30 s`, `1 h 5 min`,
    /// `2 d 3 h`; `–` for none.
    static func duration(seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "–" }
        let total = Int(seconds.rounded())
        let (days, hours, minutes, rest) = (total / 86_400, total / 3_600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return hours > 0 ? "\(days) d \(hours) h" : "\(days) d" }
        if hours > 0 { return minutes > 0 ? "\(hours) h \(minutes) min" : "\(hours) h" }
        if minutes > 0 { return rest > 0 ? "\(minutes) min \(rest) s" : "\(minutes) min" }
        return "\(rest) s"
    }
}
