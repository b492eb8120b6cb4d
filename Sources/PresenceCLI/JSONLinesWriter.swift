import Foundation
import PresenceModel
import PresenceReports

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
            chunk += "{\"id\":\"\(event.id.uuidString.lowercased())\",\"user\":\(JSONText.string(event.user))"
            chunk += ",\"at\":\"\(event.at.rfc3339)\",\"location\":"
            chunk += JSONText.string(event.location)
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
}
