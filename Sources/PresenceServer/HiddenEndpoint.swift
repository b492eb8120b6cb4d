import Hummingbird
import PostgresNIO
import PresenceReports
import PresenceStore

/// `/v1/users/{user}/hidden`: an application hides a user who asked not to be shown, and
/// shows them again (DESIGN.md, "Hidden user"), with the ingest token.
///
/// - `PUT` hides the user, `DELETE` shows them again, `GET` says which; each answers
///   `{"user":"alice","hidden":true}`. Hiding twice, or showing a user never hidden, is no
///   error: the answer is the state afterwards.
///
/// Hiding and showing run through the privacy pool, logged in as the log's owner or a member
/// of `presence_privacy`; the state is read through the read pool. A server without a
/// privacy pool answers 503 with what to configure.
struct HiddenEndpoint: Sendable {
    let privacyClient: PostgresClient?
    let readClient: PostgresClient

    func get(_ request: Request, context: some RequestContext) async throws -> Response {
        let user = try QueryEndpoints.pathText("user", context)
        let hidden = try await Self.translating { try await Privacy.isHidden(user, client: readClient, logger: context.logger) }
        return .json(Self.json(user: user, hidden: hidden))
    }

    func put(_ request: Request, context: some RequestContext) async throws -> Response {
        try await set(hidden: true, context: context)
    }

    func delete(_ request: Request, context: some RequestContext) async throws -> Response {
        try await set(hidden: false, context: context)
    }

    /// Hides the path's user or shows them again, and answers the state afterwards.
    private func set(hidden: Bool, context: some RequestContext) async throws -> Response {
        let user = try QueryEndpoints.pathText("user", context)
        let client = try requirePrivacyClient()
        try await Self.translating {
            hidden
                ? try await Privacy.hide(user, client: client, logger: context.logger)
                : try await Privacy.unhide(user, client: client, logger: context.logger)
        }
        context.logger.info(hidden ? "hid a user over HTTP" : "showed a user again over HTTP")
        return .json(Self.json(user: user, hidden: hidden))
    }

    private func requirePrivacyClient() throws(APIError) -> PostgresClient {
        guard let privacyClient else {
            throw APIError(
                .serviceUnavailable,
                "This server may not hide users: start it with a database role that may (--privacy-database-url or PRESENCE_PRIVACY_DATABASE_URL, as a member of presence_privacy)."
            )
        }
        return privacyClient
    }

    /// The client's mistake as 400; a role that may not as 503 naming the remedy.
    @discardableResult
    private static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError where error.code == .invalidUser {
            throw APIError(.badRequest, error.message)
        } catch let error as StoreError where error.code == .permissionDenied {
            throw APIError(
                .serviceUnavailable,
                "This server's database role may not hide users; its operator must give it one that may (presence_privacy)."
            )
        }
    }

    private static func json(user: String, hidden: Bool) -> String {
        JSONText.object([("user", JSONText.string(user)), ("hidden", hidden ? "true" : "false")])
    }
}
