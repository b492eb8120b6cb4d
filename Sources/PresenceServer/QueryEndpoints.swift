import Hummingbird
import PostgresNIO
import PresenceModel
import PresenceReports

/// The read endpoints: the command line's queries and reports, with the same parameters and
/// DESIGN.md's JSON shapes.
///
/// - `GET /v1/online?at=T&threshold=5m`
/// - `GET /v1/users/{user}/last-seen?as_of=T`
/// - `GET /v1/users/{user}/history?from=T&to=T`
/// - `GET /v1/reports/activity?from=T&to=T&bucket=hour&tz=ZONE`
/// - `GET /v1/reports/sessions?from=T&to=T&gap=30m`
/// - `GET /v1/reports/active-users?from=T&to=T&tz=ZONE`
/// - `GET /v1/reports/hour-by-weekday?from=T&to=T&tz=ZONE`
struct QueryEndpoints: Sendable {
    let client: PostgresClient

    /// The reports `/v1/reports/{name}` knows.
    static let reportNames = ["activity", "sessions", "active-users", "hour-by-weekday"]

    func online(_ request: Request, context: some RequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let report = try await OnlineReport.run(
            at: try query.time("at") ?? .now,
            threshold: try query.duration("threshold", default: PresenceDefaults.onlineThreshold),
            client: client,
            logger: context.logger
        )
        return .json(report)
    }

    func lastSeen(_ request: Request, context: some RequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let report = try await LastSeenReport.run(
            user: try Self.user(context),
            asOf: try query.time("as_of") ?? .now,
            client: client,
            logger: context.logger
        )
        return .json(report)
    }

    func history(_ request: Request, context: some RequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let report = try await HistoryReport.run(
            user: try Self.user(context),
            from: try query.time("from") ?? .earliest,
            to: try query.time("to") ?? .latest,
            client: client,
            logger: context.logger
        )
        return .json(report)
    }

    func report(_ request: Request, context: some RequestContext) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        let query = QueryParameters(request)
        let logger = context.logger
        let report: any Report =
            switch name {
            case "activity":
                try await ActivityReport.run(
                    from: try query.requiredTime("from"),
                    to: try query.requiredTime("to"),
                    bucket: try query.bucket(),
                    timeZone: query.timeZone,
                    client: client,
                    logger: logger
                )
            case "sessions":
                try await SessionsReport.run(
                    from: try query.requiredTime("from"),
                    to: try query.requiredTime("to"),
                    gap: try query.duration("gap", default: PresenceDefaults.sessionGap),
                    timeZone: query.timeZone,
                    client: client,
                    logger: logger
                )
            case "active-users":
                try await ActiveUsersReport.run(
                    from: try query.requiredTime("from"),
                    to: try query.requiredTime("to"),
                    timeZone: query.timeZone,
                    client: client,
                    logger: logger
                )
            case "hour-by-weekday":
                try await HourByWeekdayReport.run(
                    from: try query.requiredTime("from"),
                    to: try query.requiredTime("to"),
                    timeZone: query.timeZone,
                    client: client,
                    logger: logger
                )
            default:
                throw APIError(
                    .badRequest,
                    "There is no report \(JSONText.string(String(name.prefix(64)))): use \(Self.reportNames.joined(separator: ", "))."
                )
            }
        return .json(report)
    }

    /// The `{user}` of the path, percent-decoded.
    private static func user(_ context: some RequestContext) throws(APIError) -> String {
        guard let raw = context.parameters.get("user"), let user = raw.removingPercentEncoding, !user.isEmpty else {
            throw APIError(.badRequest, "The user in the path is not valid percent-encoded text.")
        }
        return user
    }
}
