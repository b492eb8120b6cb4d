import Hummingbird
import PostgresNIO
import PresenceReports

/// `GET /health`, open to all (for load balancers and orchestrators): 200 with the projector's
/// status while the database answers, 503 when it does not.
struct HealthEndpoint: Sendable {
    let client: PostgresClient

    func get(_ request: Request, context: some RequestContext) async throws -> Response {
        do {
            let status = try await ProjectorStatus.read(client: client, logger: context.logger)
            return .json(
                JSONText.object([("status", JSONText.string("ok")), ("database", JSONText.string("reachable")), ("projector", status.json)])
            )
        } catch {
            context.logger.warning("health check failed", metadata: ["error": "\(error)"])
            return .json(
                JSONText.object([("status", JSONText.string("unavailable")), ("database", JSONText.string("unreachable"))]),
                status: .serviceUnavailable
            )
        }
    }
}
