import PresenceModel

/// Writes the JSON of DESIGN.md's shapes by hand: the keys must come in the documented order
/// and a missing value must be written as `null`, which Foundation's encoders do not promise.
public enum JSONText {
    /// A string as a JSON string literal.
    public static func string(_ text: String) -> String {
        "\"" + TextEscaping.escaped(text, json: true) + "\""
    }

    /// A string or `null`.
    public static func string(_ text: String?) -> String {
        text.map { string($0) } ?? "null"
    }

    /// A time as an RFC 3339 string in UTC, or `null`.
    public static func time(_ time: Timestamp?) -> String {
        time.map { string($0.rfc3339) } ?? "null"
    }

    /// A span as a JSON number of seconds, with as many fraction digits as it has.
    public static func seconds(_ duration: Duration) -> String {
        number(Double(duration.wholeMicroseconds) / 1_000_000)
    }

    /// A number as JSON writes it: integers without a fraction; `null` for none.
    public static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// An object whose members are already JSON, in the given order.
    public static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// An array whose elements are already JSON.
    public static func array(_ elements: [String]) -> String {
        "[" + elements.joined(separator: ",") + "]"
    }
}
