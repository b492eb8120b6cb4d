import Hummingbird
import PostgresNIO
import PresenceModel
import PresenceReports

/// The read endpoints: the command line's queries and reports, with the same parameters
/// (``ReportDefinition/parameters``, `as-of` as `as_of`) and DESIGN.md's JSON shapes.
///
/// - `GET /v1/online?at=T&threshold=5m&location=L&match=exact|prefix`
/// - `GET /v1/locations?at=T&threshold=5m&limit=20`
/// - `GET /v1/locations/{location}/viewers?from=T&to=T&limit=100&exclude=USER`
/// - `GET /v1/users/{user}/last-seen?as_of=T`
/// - `GET /v1/users/{user}/history?from=T&to=T`
/// - `GET /v1/reports/{name}?from=T&to=T&tz=ZONE&…` for every report of ``ReportCatalog/ranges``
struct QueryEndpoints: Sendable {
    let client: PostgresClient

    func online(_ request: Request, context: some RequestContext) async throws -> Response {
        try await answer(OnlineReport.self, request, context: context)
    }

    func locations(_ request: Request, context: some RequestContext) async throws -> Response {
        try await answer(LocationsReport.self, request, context: context)
    }

    func viewers(_ request: Request, context: some RequestContext) async throws -> Response {
        let location = try Self.pathText("location", context)
        return try await answer(ViewersReport.self, request, context: context, path: ["location": location])
    }

    /// A hidden user's last seen is that of a user never seen (DESIGN.md, "Hidden user").
    func lastSeen(_ request: Request, context: some RequestContext) async throws -> Response {
        let arguments = try QueryParameters(request).arguments(for: LastSeenReport.parameters, path: ["user": Self.pathText("user", context)])
        return .json(try await LastSeenReport.run(arguments, client: client, logger: context.logger).shownToOthers)
    }

    /// A hidden user's history is that of a user never seen: 404.
    func history(_ request: Request, context: some RequestContext) async throws -> Response {
        let arguments = try QueryParameters(request).arguments(for: HistoryReport.parameters, path: ["user": Self.pathText("user", context)])
        let report = try await HistoryReport.run(arguments, client: client, logger: context.logger)
        try report.requireShownToOthers()
        return .json(report)
    }

    func report(_ request: Request, context: some RequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard let report = ReportCatalog.range(named: name) else {
            let names = ReportCatalog.ranges.map { $0.name }
            throw APIError(
                .badRequest,
                "There is no report \(JSONText.string(String(name.prefix(64)))): use \(names.joined(separator: ", "))."
            )
        }
        return try await answer(report, request, context: context)
    }

    /// Runs a report with the parameters of the query string, and of the path.
    private func answer<R: ReportDefinition>(
        _ report: R.Type,
        _ request: Request,
        context: some RequestContext,
        path: [String: String] = [:]
    ) async throws -> Response {
        let arguments = try QueryParameters(request).arguments(for: R.parameters, path: path)
        return .json(try await R.run(arguments, client: client, logger: context.logger))
    }

    /// A parameter of the path, percent-decoded (`%2F` for a slash in it).
    static func pathText(_ name: String, _ context: some RequestContext) throws(APIError) -> String {
        guard let raw = context.parameters.get(name), let text = raw.removingPercentEncoding, !text.isEmpty else {
            throw APIError(.badRequest, "The \(name) in the path is not valid percent-encoded text.")
        }
        return text
    }
}
