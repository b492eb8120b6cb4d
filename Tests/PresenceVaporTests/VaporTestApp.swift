import PostgresNIO
import PresenceStore
import PresenceTestSupport
import PresenceVapor
import Vapor
import VaporTesting

/// A user that the tests log in from the `X-User` header (a stand-in for real authentication).
struct HeaderUser: PresenceAuthenticatable {
    let name: String
    var presenceUser: String { name }
}

/// Logs in the `X-User` header's user, if any.
struct HeaderAuthenticator: AsyncRequestAuthenticator {
    func authenticate(request: Request) async throws {
        if let name = request.headers.first(name: "X-User") {
            request.auth.login(HeaderUser(name: name))
        }
    }
}

/// Runs `test` with a Vapor application in the testing environment whose Presence writes into
/// the test's database, and shuts it down after, as an application ends.
///
/// - Parameters:
///   - settings: The test database.
///   - configuration: Presence's configuration.
///   - routes: Adds the routes and middleware.
///   - test: The test.
func withPresenceApp<Result>(
    _ settings: ConnectionSettings,
    configuration: Application.Presence.Configuration = Application.Presence.Configuration(),
    routes: @escaping (Application) throws -> Void,
    _ test: (Application) async throws -> Result
) async throws -> Result {
    try await withApp(
        configure: { app in
            app.logger.logLevel = .error
            // Only the error middleware: no line per request in the tests' output.
            app.middleware = Middlewares()
            app.middleware.use(ErrorMiddleware.default(environment: app.environment))
            try app.presence.use(settings, configuration: configuration)
            try routes(app)
        },
        test
    )
}

/// The log's events as (user, location), in the order they happened.
func loggedEvents(_ client: PostgresClient) async throws -> [Logged] {
    let rows = try await client.query("SELECT user_id, location FROM seen_events ORDER BY at, id", logger: TestDatabase.logger).collect()
    return try rows.map { row in
        let (user, location) = try row.decode((String, String?).self)
        return Logged(user: user, location: location)
    }
}

/// One event of the log, as the middleware tests compare it.
struct Logged: Hashable, CustomStringConvertible {
    var user: String
    var location: String?
    var description: String { "\(user)@\(location ?? "nil")" }
}
