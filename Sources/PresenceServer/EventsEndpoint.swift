import Hummingbird
import Logging
import Metrics
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceReports

/// `POST /v1/events`: stores the events of the body, each once, and answers how many were
/// stored, were already there, or were rejected and why.
///
/// The body is a JSON array of events (`Content-Type: application/json`) or JSON Lines
/// (`application/x-ndjson`, `application/jsonl`). The valid events are written before the
/// answer, in one transaction: a 200 means they are in the log. A client that gets no
/// answer sends the same body again; events are identified by their id (or, without one, by
/// an id derived from their content), so nothing is stored twice.
///
/// With `?buffered=true` the valid events go into the server's ``PresenceTracker`` instead,
/// which writes them within its batch age: the answer (202) comes sooner and says how many
/// were accepted, but not yet which were duplicates. A graceful shutdown still writes them.
struct EventsEndpoint: Sendable {
    let client: PostgresClient
    let tracker: PresenceTracker
    let rules: SeenEvent.Rules
    let maximumBodyBytes: Int
    let maximumEvents: Int

    private static let stored = Counter(label: "presence_http_events_total", dimensions: [("outcome", "stored")])
    private static let duplicates = Counter(label: "presence_http_events_total", dimensions: [("outcome", "duplicate")])
    private static let rejected = Counter(label: "presence_http_events_total", dimensions: [("outcome", "rejected")])

    /// The two body formats.
    enum Format {
        case array
        case lines

        init(contentType: String?) throws(APIError) {
            let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            switch mediaType {
            case "application/json": self = .array
            case "application/x-ndjson", "application/jsonl", "application/json-lines", "application/jsonlines": self = .lines
            default:
                throw APIError(
                    .badRequest,
                    "The Content-Type \(JSONText.string(String((contentType ?? "(none)").prefix(64)))) is not accepted: send a JSON array as application/json, or JSON Lines as application/x-ndjson."
                )
            }
        }
    }

    func post(_ request: Request, context: some RequestContext) async throws -> Response {
        let format = try Format(contentType: request.headers[.contentType])
        var request = request
        let body = try await request.collectBody(upTo: maximumBodyBytes)
        let bytes = Array(buffer: body)
        let items: [EventJSON.Item]
        switch format {
        case .array:
            do {
                items = try EventJSON.decodeArray(bytes)
            } catch {
                throw APIError(.badRequest, "The body is not a JSON array of events such as [{\"user\":\"alice\",\"at\":\"2026-11-29T10:00:00Z\"}].")
            }
        case .lines:
            items = EventJSON.decodeLines(bytes)
        }
        guard items.count <= maximumEvents else {
            throw APIError(
                .contentTooLarge,
                "A request may carry at most \(maximumEvents) events and this one has \(items.count): send them in several requests."
            )
        }

        let now = Timestamp.now
        var events: [SeenEvent] = []
        events.reserveCapacity(items.count)
        var rejections: [(index: Int, reason: RejectionReason)] = []
        for item in items {
            switch item.result {
            case .success(let event):
                if let reason = event.validate(receivedAt: now, rules: rules) {
                    rejections.append((item.index, reason))
                } else {
                    events.append(event)
                }
            case .failure(let reason):
                rejections.append((item.index, reason))
            }
        }
        if QueryParameters(request).string("buffered") == "true" {
            for event in events { try await tracker.record(event) }
            Self.rejected.increment(by: rejections.count)
            return .json(
                JSONText.object([
                    ("accepted", "\(events.count)"), ("rejected", "\(rejections.count)"), ("rejections", Self.json(rejections)),
                ]),
                status: .accepted
            )
        }
        var (stored, duplicates) = (0, 0)
        if !events.isEmpty {
            var writer = EventLogWriter(client: client, logger: context.logger)
            let result = try await writer.write(events)
            (stored, duplicates) = (result.stored, result.duplicates)
        }
        Self.stored.increment(by: stored)
        Self.duplicates.increment(by: duplicates)
        Self.rejected.increment(by: rejections.count)
        return .json(
            JSONText.object([
                ("stored", "\(stored)"), ("duplicates", "\(duplicates)"), ("rejected", "\(rejections.count)"),
                ("rejections", Self.json(rejections)),
            ])
        )
    }

    private static func json(_ rejections: [(index: Int, reason: RejectionReason)]) -> String {
        JSONText.array(
            rejections.map { rejection in
                JSONText.object([
                    ("index", "\(rejection.index)"), ("code", JSONText.string(rejection.reason.code.description)),
                    ("reason", JSONText.string(rejection.reason.description)),
                ])
            }
        )
    }
}
