import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceReports
import PresenceServer
import PresenceStore
import Prometheus
import Testing

extension FaultTests.ReplicaTests {
    /// The token the servers of these tests take for writes.
    static let ingestToken = "ingest-token-0123456789abcdef"
    /// The token the servers of these tests take for reads.
    static let readToken = "read-token-0123456789abcdef"

    /// A `presence serve` that writes through `ingestClient` and reads through `readClient`.
    static func server(ingestClient: PostgresClient, readClient: PostgresClient) throws -> some ApplicationProtocol {
        var configuration = PresenceServer.Configuration()
        configuration.ingestToken = ingestToken
        configuration.readToken = readToken
        let server = try PresenceServer(
            configuration: configuration,
            ingestClient: ingestClient,
            readClient: readClient,
            tracker: PresenceTracker(client: ingestClient, logger: logger),
            registry: PrometheusCollectorRegistry(),
            logger: logger
        )
        return Application(router: server.makeRouter(), logger: logger)
    }

    /// Events as the JSON array `POST /v1/events` takes.
    static func json(_ events: some Sequence<SeenEvent>) -> String {
        JSONText.array(
            events.map { event in
                JSONText.object([
                    ("id", JSONText.string(event.id.uuidString.lowercased())), ("user", JSONText.string(event.user)),
                    ("at", JSONText.time(event.at)), ("location", JSONText.string(event.location)),
                ])
            }
        )
    }

    /// Every read route of `presence serve`, with the scenario's range, moments and users.
    static func readRoutes(_ scenario: ReplicaScenario) -> [String] {
        let range = "from=\(scenario.from.rfc3339)&to=\(scenario.to.rfc3339)"
        var routes = [
            "/health", "/metrics",
            "/v1/online?at=\(scenario.latest.at.rfc3339)&threshold=5m",
            "/v1/online?at=\(scenario.middle.at.rfc3339)&threshold=10m",
            "/v1/reports/activity?\(range)&bucket=hour",
            "/v1/reports/activity?\(range)&bucket=day&tz=Europe/Berlin",
            "/v1/reports/sessions?\(range)",
            "/v1/reports/sessions?\(range)&gap=10m",
            "/v1/reports/active-users?\(range)&tz=Europe/Berlin",
            "/v1/reports/hour-by-weekday?\(range)&tz=Asia/Kolkata",
            "/dashboard?\(range)&tz=Europe/Berlin",
        ]
        for user in scenario.users {
            routes += [
                "/v1/users/\(user)/last-seen?as_of=\(scenario.now.rfc3339)",
                "/v1/users/\(user)/last-seen?as_of=\(scenario.middle.at.rfc3339)",
                "/v1/users/\(user)/history",
            ]
        }
        return routes
    }

    @Test("presence serve reading through a hot standby and writing through the primary answers every read route as when it reads the primary")
    func serverOnStandby() async {
        let seed = FaultSeed(default: 12)
        await seed.replaying {
            try await ReplicaPair.with { pair in
                // What serve checks at its start: a standby may read, and may not write.
                try await EventLog.requireReadable(pair.standbyClient, logger: Self.logger)
                try await EventLog.requireWritable(pair.primaryClient, logger: Self.logger)
                let refused = await #expect(throws: StoreError.self) {
                    try await EventLog.requireWritable(pair.standbyClient, logger: Self.logger)
                }
                #expect(refused?.code == .readOnlyStandby, "\(String(describing: refused))")

                let scenario = ReplicaScenario(seed: seed, users: 400, days: 2)
                let posted = scenario.events.suffix(300)
                try await pair.write(scenario.events.dropLast(posted.count))
                let onPrimary = try Self.server(ingestClient: pair.primaryClient, readClient: pair.primaryClient)
                let onStandby = try Self.server(ingestClient: pair.primaryClient, readClient: pair.standbyClient)
                try await onPrimary.test(.router) { primaryHTTP in
                    try await onStandby.test(.router) { standbyHTTP in
                        // The server that reads the standby writes through its ingest pool.
                        let post = try await standbyHTTP.execute(
                            uri: "/v1/events",
                            method: .post,
                            headers: [.authorization: "Bearer \(Self.ingestToken)", .contentType: "application/json"],
                            body: ByteBuffer(string: Self.json(posted))
                        )
                        let stored = ReplicaScenario.stored(posted)
                            .subtracting(ReplicaScenario.stored(scenario.events.dropLast(posted.count))).count
                        #expect(post.status == .ok)
                        #expect(String(buffer: post.body).hasPrefix(#"{"stored":\#(stored),"duplicates":\#(posted.count - stored),"rejected":0"#))
                        try await pair.projectAll()
                        try await pair.settle()

                        let read: HTTPFields = [.authorization: "Bearer \(Self.readToken)"]
                        for uri in Self.readRoutes(scenario) {
                            let fromStandby = try await standbyHTTP.execute(uri: uri, method: .get, headers: read)
                            let fromPrimary = try await primaryHTTP.execute(uri: uri, method: .get, headers: read)
                            let unknown = uri.hasSuffix("/\(ReplicaScenario.unknownUser)/history")
                            #expect(fromStandby.status == (unknown ? .notFound : .ok), "GET \(uri): \(String(buffer: fromStandby.body))")
                            #expect(fromStandby.status == fromPrimary.status, "GET \(uri)")
                            #expect(
                                Self.comparable(uri, String(buffer: fromStandby.body)) == Self.comparable(uri, String(buffer: fromPrimary.body)),
                                "GET \(uri): the standby answers otherwise than the primary"
                            )
                        }
                        let health = try await standbyHTTP.execute(uri: "/health", method: .get)
                        let folded = ReplicaScenario.stored(scenario.events).count
                        #expect(String(buffer: health.body).contains(#""folded":\#(folded),"waiting":0,"lag_seconds":0"#))
                    }
                }
            }
        }
    }
}
