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

    /// The value of a parameter, if given.
    func value(of parameter: ReportParameter) throws(APIError) -> ReportValue? {
        guard let text = parameters.get(parameter.queryName) else { return nil }
        guard let value = parameter.value(of: text) else {
            throw Self.wording(ReportArguments.Problem(parameter: parameter, kind: .invalid(text)))
        }
        return value
    }

    /// A time parameter, if given.
    func time(_ name: String) throws(APIError) -> Timestamp? {
        guard case .time(let time)? = try value(of: ReportParameter(name, .time, help: "")) else { return nil }
        return time
    }

    /// The values of a report's parameters: each from the query string by its
    /// ``ReportParameter/queryName``, the positional ones from `path`.
    ///
    /// - Throws: ``APIError`` (400) that names the first parameter missing or malformed.
    func arguments(for parameters: [ReportParameter], path: [String: String]) throws(APIError) -> ReportArguments {
        var texts = path
        for parameter in parameters where !parameter.isPositional {
            texts[parameter.name] = self.parameters.get(parameter.queryName)
        }
        do {
            return try ReportArguments(texts, for: parameters)
        } catch {
            throw Self.wording(error)
        }
    }

    /// The HTTP API's sentence for a parameter that is missing or malformed.
    private static func wording(_ problem: ReportArguments.Problem) -> APIError {
        let name = problem.parameter.queryName
        guard case .invalid(let text) = problem.kind else {
            if problem.parameter.kind == .time {
                return APIError(.badRequest, "The parameter \(name) is missing: give an RFC 3339 time such as 2026-11-29T10:00:00Z.")
            }
            return APIError(.badRequest, "The parameter \(name) is missing.")
        }
        let shown = "\(name)=\(JSONText.string(String(text.prefix(64))))"
        switch problem.parameter.kind {
        case .time where Timestamp(rfc3339: text) != nil:
            // As on the command line: PostgreSQL has no year 0, and RFC 3339 no year 10000.
            return APIError(.badRequest, "The parameter \(shown) lies outside the years 0001 to 9999 in UTC.")
        case .time:
            return APIError(.badRequest, "The parameter \(shown) is not an RFC 3339 time such as 2026-11-29T10:00:00Z.")
        case .duration:
            return APIError(.badRequest, DurationText.problem(text, name: "parameter \(name)"))
        case .choice(let words):
            let choices = words.dropLast().joined(separator: ", ") + (words.count > 1 ? " or " : "") + (words.last ?? "")
            return APIError(.badRequest, "The parameter \(shown) is unknown: use \(choices).")
        case .count:
            return APIError(.badRequest, "The parameter \(shown) is not a whole number from 1 to \(ReportParameter.Kind.maximumCount).")
        case .cell:
            return APIError(
                .badRequest,
                "The parameter \(shown) is no cell: give a cohort's start and a period number from 0, such as 2026-10-05T00:00:00Z,2."
            )
        case .zone, .text:
            return APIError(.badRequest, "The parameter \(shown) is not valid.")
        }
    }

    /// The activity bucket, if given.
    func bucket() throws(APIError) -> ActivityReport.Bucket? {
        guard case .text(let word)? = try value(of: ActivityReport.bucketParameter) else { return nil }
        return ActivityReport.Bucket(rawValue: word)
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
