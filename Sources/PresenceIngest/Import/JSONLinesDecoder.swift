import Foundation
import PresenceModel

/// Reads one line of JSON Lines input: `{"id":…, "user":…, "at":…, "location":…}`, with `id`
/// and `location` optional and `at` an RFC 3339 string or a number of Unix seconds. Other keys
/// are ignored.
struct JSONLinesDecoder {
    private let decoder = JSONDecoder()

    /// The fields of one event object.
    struct Fields: Decodable {
        var id: String?
        var user: String
        var at: ImportedEvent.TimeField
        var location: String?
    }

    /// The event on a line, or why there is none.
    func decode(_ line: [UInt8]) -> Result<SeenEvent, RejectionReason> {
        do {
            let fields = try decoder.decode(Fields.self, from: Data(line))
            return ImportedEvent.make(id: fields.id, user: fields.user, at: fields.at, location: fields.location)
        } catch let error as DecodingError {
            return .failure(RejectionReason(.malformed, Self.explain(error)))
        } catch {
            return .failure(RejectionReason(.malformed, "the line is not valid JSON"))
        }
    }

    /// What is wrong with an event object, in words; `subject` names it (a line, an event).
    static func explain(_ error: DecodingError, subject: String = "line") -> String {
        switch error {
        case .keyNotFound(let key, _):
            return "the field '\(key.stringValue)' is missing"
        case .valueNotFound(_, let context):
            return "the field '\(context.codingPath.last?.stringValue ?? "?")' is null"
        case .typeMismatch(_, let context):
            guard let key = context.codingPath.last, key.intValue == nil else { return "the \(subject) is not a JSON object" }
            return "the field '\(key.stringValue)' has the wrong type"
        case .dataCorrupted(let context):
            guard let field = context.codingPath.last?.stringValue else { return "the \(subject) is not valid JSON" }
            return "the field '\(field)' is invalid"
        @unknown default:
            return "the \(subject) is not valid JSON"
        }
    }
}

extension ImportedEvent.TimeField: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .seconds(try container.decode(Decimal.self))
        }
    }
}
