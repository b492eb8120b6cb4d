import Foundation
import PresenceModel

/// Decodes events sent as JSON, as `presence serve` receives them: one JSON array of event
/// objects, or JSON Lines. The objects are DESIGN.md's (`{"id":…, "user":…, "at":…,
/// "location":…}`, `id` and `location` optional, `at` also as Unix seconds). Each event is
/// decoded on its own: a bad one is rejected with its position and reason, the others go on.
public enum EventJSON {
    /// One event, or why there is none, at its position in the input.
    public struct Item: Sendable {
        /// The position: the array element's index, or the line's number minus one, from 0.
        public var index: Int
        /// The event, or why the element or line does not make one.
        public var result: Result<SeenEvent, RejectionReason>
    }

    /// Decodes a JSON array of event objects.
    ///
    /// - Returns: One item per element, in order.
    /// - Throws: ``RejectionReason`` with code `malformed` when the text is not a JSON array.
    public static func decodeArray(_ bytes: [UInt8]) throws(RejectionReason) -> [Item] {
        let elements: [Element]
        do {
            elements = try JSONDecoder().decode([Element].self, from: Data(bytes))
        } catch {
            throw RejectionReason(.malformed, "the body is not a JSON array of events")
        }
        return elements.enumerated().map { Item(index: $0.offset, result: $0.element.result) }
    }

    /// Decodes JSON Lines: one event object per line; blank lines are skipped.
    ///
    /// - Returns: One item per line that is not blank, in order.
    public static func decodeLines(_ bytes: [UInt8]) -> [Item] {
        let decoder = JSONLinesDecoder()
        var items: [Item] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var line = line
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            items.append(Item(index: index, result: decoder.decode(Array(line))))
        }
        return items
    }

    /// One array element, decoded without failing the array.
    private struct Element: Decodable {
        var result: Result<SeenEvent, RejectionReason>

        init(from decoder: any Decoder) {
            do {
                let fields = try JSONLinesDecoder.Fields(from: decoder)
                result = ImportedEvent.make(id: fields.id, user: fields.user, at: fields.at, location: fields.location)
            } catch let error as DecodingError {
                result = .failure(RejectionReason(.malformed, JSONLinesDecoder.explain(error, subject: "event")))
            } catch {
                result = .failure(RejectionReason(.malformed, "the event is not a JSON object"))
            }
        }
    }
}
