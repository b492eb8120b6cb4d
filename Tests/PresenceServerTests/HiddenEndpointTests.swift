import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PresenceIngest
import PresenceServer
import PresenceStore
import PresenceTestSupport
import Prometheus
import Testing

/// `PUT`, `DELETE` and `GET /v1/users/{user}/hidden`: an application hides a user and shows
/// them again with the ingest token (DESIGN.md, "Hidden user").
@Suite("Hiding a user over HTTP")
struct HiddenEndpointTests {
    static let events = """
        [{"user":"alice","at":"2026-03-29T00:42:00Z","location":"/a"},
         {"user":"bob","at":"2026-03-29T00:40:00Z","location":"/a"}]
        """

    func send(
        _ client: any TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ user: String,
        token: String = TestTokens.ingest
    ) async throws -> TestResponse {
        try await client.execute(uri: "/v1/users/\(user)/hidden", method: method, headers: TestTokens.bearer(token))
    }

    func online(_ client: any TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/v1/online?at=2026-03-29T00:45:00Z", method: .get, headers: TestTokens.readHeaders).text
    }

    func locations(_ client: any TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/v1/locations?at=2026-03-29T00:45:00Z", method: .get, headers: TestTokens.readHeaders).text
    }

    func post(_ client: any TestClientProtocol) async throws {
        let headers: HTTPFields = TestTokens.ingestHeaders + [.contentType: "application/json"]
        let posted = try await client.execute(uri: "/v1/events", method: .post, headers: headers, body: .text(Self.events))
        #expect(posted.text.hasPrefix(#"{"stored":2,"#))
    }

    @Test("PUT hides, DELETE shows again, GET says which; each twice is no error; lists change and counts do not")
    func hideAndShow() async throws {
        try await withServer { database, client in
            try await post(client)
            try await TestDatabase.projectAll(database, count: 2)
            let before = try await online(client)
            #expect(before.contains(#""users":[{"user":"alice","last_seen":"2026-03-29T00:42:00Z","location":"/a"},{"user":"bob""#))
            let counts = try await locations(client)
            #expect(counts.contains(#""locations":[{"location":"/a","users":2}]"#))

            #expect(try await send(client, .get, "alice").text == #"{"user":"alice","hidden":false}"# + "\n")
            for _ in 0..<2 {
                let hid = try await send(client, .put, "alice")
                #expect(hid.status == .ok)
                #expect(hid.text == #"{"user":"alice","hidden":true}"# + "\n")
            }
            #expect(try await Privacy.isHidden("alice", client: database, logger: TestDatabase.logger))
            #expect(try await send(client, .get, "alice").text == #"{"user":"alice","hidden":true}"# + "\n")
            let hidden = try await online(client)
            #expect(hidden.contains(#""users":[{"user":"bob","last_seen":"2026-03-29T00:40:00Z","location":"/a"}]"#))
            #expect(!hidden.contains("alice"))
            #expect(try await locations(client) == counts)

            for _ in 0..<2 {
                let shown = try await send(client, .delete, "alice")
                #expect(shown.status == .ok)
                #expect(shown.text == #"{"user":"alice","hidden":false}"# + "\n")
            }
            #expect(try await online(client) == before)
        }
    }

    @Test("a user with a slash or spaces is percent-encoded; one no event can have is 400")
    func userText() async throws {
        try await withServer { database, client in
            #expect(try await send(client, .put, "a%20b%2Fc").text == #"{"user":"a b/c","hidden":true}"# + "\n")
            #expect(try await Privacy.isHidden("a b/c", client: database, logger: TestDatabase.logger))
            let long = try await send(client, .put, String(repeating: "x", count: 257))
            #expect(long.status == .badRequest)
            #expect(long.text.hasPrefix(#"{"error":"The user \"xxxx"#) && long.text.contains("1 to 256 bytes"))
            let nul = try await send(client, .put, "a%00b")
            #expect(nul.status == .badRequest)
            #expect(try await TestDatabase.number(database, "SELECT count(*) FROM presence_hidden_users") == 1)
        }
    }

    @Test("the read token is refused with 403, no token with 401")
    func tokens() async throws {
        try await withServer { database, client in
            for method in [HTTPRequest.Method.put, .delete, .get] {
                #expect(try await send(client, method, "alice", token: TestTokens.read).status == .forbidden)
                let anonymous = try await client.execute(uri: "/v1/users/alice/hidden", method: method)
                #expect(anonymous.status == .unauthorized)
            }
            #expect(try await Privacy.isHidden("alice", client: database, logger: TestDatabase.logger) == false)
        }
    }

    @Test("on a pool per role it hides through presence_privacy; without that pool, or with a role that may not, 503 says why")
    func rolePools() async throws {
        try await TestDatabase.withFresh { owner, settings in
            try await TestDatabase.withLogin(as: .ingest, settings: settings) { ingest, _ in
                try await TestDatabase.withLogin(as: .reader, settings: settings) { reader, _ in
                    try await TestDatabase.withLogin(as: .privacy, settings: settings) { privacy, _ in
                        func server(_ privacyClient: PostgresClient?) throws -> some ApplicationProtocol {
                            let server = try PresenceServer(
                                configuration: testConfiguration(),
                                ingestClient: ingest,
                                readClient: reader,
                                privacyClient: privacyClient,
                                tracker: PresenceTracker(client: ingest, logger: TestDatabase.logger),
                                registry: PrometheusCollectorRegistry(),
                                logger: TestDatabase.logger
                            )
                            return Application(router: server.makeRouter(), logger: TestDatabase.logger)
                        }
                        try await server(privacy).test(.router) { client async throws in
                            #expect(try await send(client, .put, "alice").text == #"{"user":"alice","hidden":true}"# + "\n")
                            #expect(try await send(client, .get, "alice").text == #"{"user":"alice","hidden":true}"# + "\n")
                        }
                        #expect(try await Privacy.isHidden("alice", client: owner, logger: TestDatabase.logger))
                        try await server(nil).test(.router) { client async throws in
                            let refused = try await send(client, .delete, "alice")
                            #expect(refused.status == .serviceUnavailable)
                            #expect(refused.text.contains("--privacy-database-url"))
                            #expect(try await send(client, .get, "alice").text == #"{"user":"alice","hidden":true}"# + "\n")
                        }
                        try await server(ingest).test(.router) { client async throws in
                            let refused = try await send(client, .delete, "alice")
                            #expect(refused.status == .serviceUnavailable)
                            #expect(refused.text.contains("may not hide users"))
                        }
                        #expect(try await Privacy.isHidden("alice", client: owner, logger: TestDatabase.logger))
                    }
                }
            }
        }
    }
}
