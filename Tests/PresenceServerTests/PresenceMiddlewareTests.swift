import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import PresenceHummingbird
import PresenceIngest
import PresenceTestSupport
import ServiceLifecycle
import Testing

/// The middleware records one event per authenticated request, in the tracker's buffer.
@Suite("PresenceMiddleware")
struct PresenceMiddlewareTests {
    /// A router whose requests name their user in `X-User` (a stand-in for real authentication).
    func router(tracker: PresenceTracker, location: PresenceMiddleware<BasicRequestContext>.Location) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: PresenceMiddleware(tracker: tracker, location: location) { request, _ in request.headers[.init("X-User")!] })
        router.get("/forum/{id}") { _, _ in "thread" }
        router.get("/") { _, _ in "home" }
        return router
    }

    func locations(_ client: PostgresClient) async throws -> [String?] {
        let rows = try await client.query("SELECT location FROM seen_events ORDER BY at, id", logger: TestDatabase.logger).collect()
        return try rows.map { try $0.decode(String?.self) }
    }

    @Test("one event per authenticated request with the route pattern; none for anonymous ones")
    func routePattern() async throws {
        try await TestDatabase.withFresh { database, _ in
            let tracker = PresenceTracker(client: database, logger: TestDatabase.logger)
            try await Application(router: router(tracker: tracker, location: .routePattern)).test(.router) { client async throws in
                let alice: HTTPFields = [.init("X-User")!: "alice"]
                #expect(try await client.execute(uri: "/forum/42", method: .get, headers: alice).status == .ok)
                #expect(try await client.execute(uri: "/forum/7?page=2", method: .get, headers: alice).status == .ok)
                #expect(try await client.execute(uri: "/", method: .get, headers: alice).status == .ok)
                #expect(try await client.execute(uri: "/forum/42", method: .get).status == .ok)
                #expect(try await client.execute(uri: "/nowhere", method: .get, headers: alice).status == .notFound)
            }
            // 3 matched routes + 1 unmatched, all by alice; the anonymous request left nothing.
            #expect(tracker.statistics.accepted == 4)
            try await flush(tracker)
            #expect(try await locations(database).sorted { ($0 ?? "") < ($1 ?? "") } == [nil, "/", "/forum/{id}", "/forum/{id}"])
        }
    }

    @Test("the concrete path, without the query, by option")
    func concretePath() async throws {
        try await TestDatabase.withFresh { database, _ in
            let tracker = PresenceTracker(client: database, logger: TestDatabase.logger)
            try await Application(router: router(tracker: tracker, location: .path)).test(.router) { client async throws in
                _ = try await client.execute(uri: "/forum/42?page=2", method: .get, headers: [.init("X-User")!: "bob"])
            }
            try await flush(tracker)
            #expect(try await locations(database) == ["/forum/42"])
        }
    }

    /// Runs the tracker and shuts it down gracefully at once, which writes all it holds.
    func flush(_ tracker: PresenceTracker) async throws {
        let group = ServiceGroup(services: [tracker], logger: TestDatabase.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(tracker.statistics.buffered == 0)
    }
}
