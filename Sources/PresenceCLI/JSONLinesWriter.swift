import Foundation
import PresenceModel

/// Writes events as JSON Lines, the format `presence ingest` reads, keys in DESIGN.md's order.
enum JSONLinesWriter {
    /// Writes every event to a new file, in chunks.
    ///
    /// - Returns: How many events were written.
    static func write(_ events: some Sequence<SeenEvent>, toFile path: String) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CommandError("Cannot create \(path): check that its folder exists and is writable.")
        }
        defer { try? handle.close() }
        var chunk = ""
        var count = 0
        for event in events {
            chunk += "{\"id\":\"\(event.id.uuidString.lowercased())\",\"user\":\(quoted(event.user))"
            chunk += ",\"at\":\"\(RFC3339.format(event.microseconds))\",\"location\":"
            chunk += event.location.map(quoted) ?? "null"
            chunk += "}\n"
            count += 1
            if chunk.utf8.count >= 1 << 16 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
        return count
    }

    /// A string as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
