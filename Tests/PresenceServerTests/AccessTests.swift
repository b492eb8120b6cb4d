import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PresenceIngest
import PresenceTestSupport
import Prometheus
import Testing

@testable import PresenceServer

/// Who may start the server, and who may do what once it runs.
@Suite("Access: tokens and the rules for starting")
struct AccessTests {
    func startError(_ change: (inout PresenceServer.Configuration) -> Void) async throws -> String? {
        var configuration = PresenceServer.Configuration()
        change(&configuration)
        let client = PostgresClient(configuration: .init(unixSocketPath: "/nonexistent", username: "x", password: nil, database: "x"))
        let tracker = PresenceTracker(client: client, logger: TestDatabase.logger)
        do {
            _ = try PresenceServer(
                configuration: configuration,
                client: client,
                tracker: tracker,
                registry: PrometheusCollectorRegistry(),
                logger: TestDatabase.logger
            )
            return nil
        } catch {
            return error.description
        }
    }

    @Test("without tokens the server refuses to start, unless --insecure-local on loopback")
    func startRules() async throws {
        #expect(try await startError { _ in }?.hasPrefix("The server needs an ingest token and a read token") == true)
        #expect(try await startError { $0.ingestToken = TestTokens.ingest } != nil)
        #expect(try await startError { $0.insecureLocal = true } == nil)
        #expect(
            try await startError {
                $0.insecureLocal = true
                $0.host = "::1"
            } == nil
        )
        #expect(
            try await startError {
                $0.insecureLocal = true
                $0.host = "0.0.0.0"
            }?.contains("loopback") == true
        )
        #expect(
            try await startError {
                $0.ingestToken = "short"
                $0.readToken = TestTokens.read
            }?.contains("at least 16") == true
        )
        #expect(
            try await startError {
                $0.ingestToken = TestTokens.read
                $0.readToken = TestTokens.read
            }?.contains("must differ") == true
        )
        #expect(
            try await startError {
                $0.ingestToken = TestTokens.ingest
                $0.readToken = TestTokens.read
            } == nil
        )
    }

    @Test("401 without or with a wrong token, 403 with the other role's token, /health open")
    func statuses() async throws {
        try await withServer { _, client in
            let missing = try await client.execute(uri: "/v1/online", method: .get)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == "Bearer realm=\"Presence\"")
            #expect(missing.text.hasPrefix(#"{"error":"This needs a token"#))
            let wrong = try await client.execute(uri: "/v1/online", method: .get, headers: TestTokens.bearer("not-the-token-at-all"))
            #expect(wrong.status == .unauthorized)
            let garbled = try await client.execute(uri: "/v1/online", method: .get, headers: [.authorization: "Token abc"])
            #expect(garbled.status == .unauthorized)

            let readerWrites = try await client.execute(
                uri: "/v1/events",
                method: .post,
                headers: TestTokens.readHeaders + [.contentType: "application/json"],
                body: .text("[]")
            )
            #expect(readerWrites.status == .forbidden)
            let writerReads = try await client.execute(uri: "/v1/online", method: .get, headers: TestTokens.ingestHeaders)
            #expect(writerReads.status == .forbidden)
            let writerMetrics = try await client.execute(uri: "/metrics", method: .get, headers: TestTokens.ingestHeaders)
            #expect(writerMetrics.status == .forbidden)

            #expect(try await client.execute(uri: "/v1/online", method: .get, headers: TestTokens.readHeaders).status == .ok)
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }

    @Test("the dashboard asks a browser for the read token with Basic authentication")
    func dashboardBasic() async throws {
        try await withServer { _, client in
            let challenged = try await client.execute(uri: "/dashboard", method: .get)
            #expect(challenged.status == .unauthorized)
            #expect(challenged.headers[.wwwAuthenticate]?.hasPrefix("Basic realm=\"Presence\"") == true)
            let credentials = Data("anyone:\(TestTokens.read)".utf8).base64EncodedString()
            let page = try await client.execute(uri: "/dashboard", method: .get, headers: [.authorization: "Basic \(credentials)"])
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("<meta http-equiv=\"refresh\" content=\"60\">"))
            #expect(page.text.components(separatedBy: "<svg ").count - 1 == 9)
        }
    }

    @Test("--insecure-local lets every request in")
    func insecureLocal() async throws {
        var configuration = PresenceServer.Configuration()
        configuration.insecureLocal = true
        try await withServer(configuration: configuration) { _, client in
            #expect(try await client.execute(uri: "/v1/online", method: .get).status == .ok)
            let post = try await client.execute(
                uri: "/v1/events",
                method: .post,
                headers: [.contentType: "application/json"],
                body: .text("[]")
            )
            #expect(post.status == .ok)
        }
    }

    @Test("tokens are read from Bearer and from Basic's password, nothing else")
    func tokenParsing() {
        #expect(AccessControl.token(in: "Bearer abc") == "abc")
        #expect(AccessControl.token(in: "bearer  abc ") == "abc")
        #expect(AccessControl.token(in: "Basic " + Data("u:p:q".utf8).base64EncodedString()) == "p:q")
        #expect(AccessControl.token(in: "Basic " + Data("nopassword".utf8).base64EncodedString()) == nil)
        #expect(AccessControl.token(in: "Bearer") == nil)
        #expect(AccessControl.token(in: "Digest abc") == nil)
    }
}
