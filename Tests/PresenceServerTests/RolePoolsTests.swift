import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PresenceIngest
import PresenceServer
import PresenceTestSupport
import Prometheus
import Testing

/// `presence serve --ingest-database-url … --read-database-url …`: writes through a pool logged
/// in as a member of `presence_ingest`, reads through one of `presence_reader`.
@Suite("presence serve on a pool per role")
struct RolePoolsTests {
    @Test("posts are stored through the ingest role, and every read route answers through the reader role")
    func rolePools() async throws {
        try await TestDatabase.withFresh { owner, settings in
            try await TestDatabase.withLogin(as: .ingest, settings: settings) { ingest, _ in
                try await TestDatabase.withLogin(as: .reader, settings: settings) { reader, _ in
                    let tracker = PresenceTracker(client: ingest, logger: TestDatabase.logger)
                    let server = try PresenceServer(
                        configuration: testConfiguration(),
                        ingestClient: ingest,
                        readClient: reader,
                        tracker: tracker,
                        registry: PrometheusCollectorRegistry(),
                        logger: TestDatabase.logger
                    )
                    let application = Application(router: server.makeRouter(), logger: TestDatabase.logger)
                    try await application.test(.router) { client in
                        let body = """
                            [{"user":"alice","at":"2026-03-29T00:10:00Z","location":"/a"},
                             {"user":"alice","at":"2026-03-29T00:40:00Z","location":"/b"},
                             {"user":"bob","at":"2026-03-29T00:40:00Z","location":"/a"}]
                            """
                        let headers: HTTPFields = TestTokens.ingestHeaders + [.contentType: "application/json"]
                        let posted = try await client.execute(uri: "/v1/events", method: .post, headers: headers, body: .text(body))
                        #expect(posted.text.hasPrefix(#"{"stored":3,"duplicates":0,"rejected":0"#))
                        let again = try await client.execute(uri: "/v1/events", method: .post, headers: headers, body: .text(body))
                        #expect(again.text.hasPrefix(#"{"stored":0,"duplicates":3,"rejected":0"#))
                        try await TestDatabase.projectAll(owner, count: 3)

                        let reads = [
                            "/v1/online?at=2026-03-29T00:45:00Z",
                            "/v1/users/alice/last-seen?as_of=2026-03-29T01:00:00Z",
                            "/v1/users/alice/history",
                            "/v1/reports/activity?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z",
                            "/v1/reports/sessions?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z&gap=10m",
                            "/v1/reports/active-users?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z",
                            "/v1/reports/hour-by-weekday?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z",
                            "/dashboard?from=2026-03-29T00:00:00Z&to=2026-03-30T00:00:00Z",
                            "/metrics",
                            "/health",
                        ]
                        for uri in reads {
                            let response = try await client.execute(uri: uri, method: .get, headers: TestTokens.readHeaders)
                            #expect(response.status == .ok, "\(uri): \(response.text)")
                        }
                        let online = try await client.execute(
                            uri: "/v1/online?at=2026-03-29T00:45:00Z",
                            method: .get,
                            headers: TestTokens.readHeaders
                        )
                        #expect(online.text.contains(#"{"user":"alice","last_seen":"2026-03-29T00:40:00Z","location":"/b"}"#))
                    }
                }
            }
            #expect(try await TestDatabase.eventCount(owner) == 3)
        }
    }
}
