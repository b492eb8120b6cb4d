import Hummingbird
import PostgresNIO
import PresenceModel
import PresenceReports

/// `GET /dashboard?from=T&to=T&tz=ZONE&bucket=…`: the HTML report page of `report all`, made
/// on every request (the last 7 days unless asked otherwise) and reloading itself, so it stays
/// live without a script.
struct DashboardEndpoint: Sendable {
    let client: PostgresClient
    let refresh: Duration

    func get(_ request: Request, context: some RequestContext) async throws -> Response {
        let query = QueryParameters(request)
        let now = Timestamp.now
        let to = try query.time("to") ?? now
        let from = try query.time("from") ?? to - .seconds(7 * 86_400)
        var configuration = ReportSet.Configuration(from: from, to: to, onlineAt: min(now, to))
        configuration.timeZone = query.timeZone
        configuration.bucket = try query.bucket()
        let reports = try await ReportSet.run(configuration: configuration, client: client, logger: context.logger)
        var page = ReportPage(reports: reports, linksToFiles: false)
        page.refresh = refresh
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: page.html))
        )
    }
}
