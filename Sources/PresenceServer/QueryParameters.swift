import Hummingbird
import PresenceModel
import PresenceReports

/// The query string of a request, checked: a bad value is a 400 that names it. The names and
/// forms are the command line's: times in RFC 3339, durations like `5m`.
struct QueryParameters: Sendable {
    private let parameters: Parameters

    init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    /// A text parameter, if given.
    func string(_ name: String) -> String? {
        parameters.get(name)
    }

    /// A time parameter, if given.
    func time(_ name: String) throws(APIError) -> Timestamp? {
        guard let text = parameters.get(name) else { return nil }
        guard let time = Timestamp(rfc3339: text) else {
            throw APIError(
                .badRequest,
                "The parameter \(name)=\(JSONText.string(String(text.prefix(64)))) is not an RFC 3339 time such as 2026-11-29T10:00:00Z."
            )
        }
        // As on the command line: PostgreSQL has no year 0, and RFC 3339 no year 10000.
        guard time.isInWrittenYears else {
            throw APIError(
                .badRequest,
                "The parameter \(name)=\(JSONText.string(String(text.prefix(64)))) lies outside the years 0001 to 9999 in UTC."
            )
        }
        return time
    }

    /// A time parameter that must be given.
    func requiredTime(_ name: String) throws(APIError) -> Timestamp {
        guard let time = try time(name) else {
            throw APIError(.badRequest, "The parameter \(name) is missing: give an RFC 3339 time such as 2026-11-29T10:00:00Z.")
        }
        return time
    }

    /// A duration parameter, or `defaultValue` when not given.
    func duration(_ name: String, default defaultValue: Duration) throws(APIError) -> Duration {
        guard let text = parameters.get(name) else { return defaultValue }
        guard let duration = DurationText.duration(text) else {
            throw APIError(.badRequest, DurationText.problem(text, name: "parameter \(name)"))
        }
        return duration
    }

    /// The activity bucket, `hour` when not given.
    func bucket() throws(APIError) -> ActivityReport.Bucket {
        guard let text = parameters.get("bucket") else { return .hour }
        guard let bucket = ActivityReport.Bucket(rawValue: text) else {
            throw APIError(.badRequest, "The parameter bucket=\(JSONText.string(String(text.prefix(64)))) is unknown: use hour, day or week.")
        }
        return bucket
    }

    /// The time zone, `UTC` when not given (checked by the report against PostgreSQL's list).
    var timeZone: String {
        parameters.get("tz") ?? "UTC"
    }
}

extension Response {
    /// A JSON answer.
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n"))
        )
    }

    /// A report's JSON answer.
    static func json(_ report: some Report) -> Response {
        json(report.json)
    }
}
