import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PresenceIngest
import PresenceServer
import PresenceTestSupport
import Prometheus

/// Tokens of the tests' servers.
enum TestTokens {
    static let ingest = "ingest-token-0123456789abcdef"
    static let read = "read-token-0123456789abcdef"

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
    static var ingestHeaders: HTTPFields { bearer(ingest) }
    static var readHeaders: HTTPFields { bearer(read) }
}

/// A server configuration with both test tokens.
func testConfiguration() -> PresenceServer.Configuration {
    var configuration = PresenceServer.Configuration()
    configuration.ingestToken = TestTokens.ingest
    configuration.readToken = TestTokens.read
    return configuration
}

/// Runs `body` with a fresh database and a test client of the server's router on it.
func withServer(
    configuration: PresenceServer.Configuration = testConfiguration(),
    _ body: @escaping @Sendable (PostgresClient, any TestClientProtocol) async throws -> Void
) async throws {
    try await TestDatabase.withFresh { client, _ in
        let tracker = PresenceTracker(client: client, logger: TestDatabase.logger)
        let server = try PresenceServer(
            configuration: configuration,
            client: client,
            tracker: tracker,
            registry: PrometheusCollectorRegistry(),
            logger: TestDatabase.logger
        )
        let application = Application(router: server.makeRouter(), logger: TestDatabase.logger)
        try await application.test(.router) { testClient in try await body(client, testClient) }
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }
}

extension ByteBuffer {
    /// A body from text.
    static func text(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}
