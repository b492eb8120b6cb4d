/// How every output writes text that may hold control characters: as `\n`, `\r`, `\t` or
/// `\u00XX` (DEL too), so that a tab or line break in a user id breaks neither a JSON string
/// nor a table's layout; in JSON, also `\"` and `\\`.
enum TextEscaping {
    /// `text` with its control characters escaped, and, for JSON, its quotes and backslashes.
    static func escaped(_ text: String, json: Bool) -> String {
        func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
            scalar.value < 0x20 || scalar.value == 0x7F || (json && (scalar == "\"" || scalar == "\\"))
        }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case _ where !needsEscape(scalar): result.unicodeScalars.append(scalar)
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return result
    }
}
