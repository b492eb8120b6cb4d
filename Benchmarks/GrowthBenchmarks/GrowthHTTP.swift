import AsyncHTTPClient
import BenchmarkSupport
import Logging
import PostgresNIO
import PresenceIngest
import PresenceServer
import Prometheus
import ServiceLifecycle

/// Answers of `presence serve`'s HTTP API, timed from a client on loopback against the
/// history's database.
enum GrowthHTTP {
    static let port = 18_490

    /// Starts the server on `client`'s database, and gives each path's median time (nine GETs
    /// after one unmeasured) in microseconds; every answer must be 200.
    static func measure(
        _ paths: [(GrowthFigure, String)],
        client: PostgresClient,
        logger: Logger
    ) async throws -> [(GrowthFigure, Int)] {
        let tracker = PresenceTracker(client: client, logger: logger)
        var configuration = PresenceServer.Configuration()
        configuration.port = port
        configuration.insecureLocal = true
        let server = try PresenceServer(
            configuration: configuration,
            client: client,
            tracker: tracker,
            registry: PrometheusCollectorRegistry(),
            logger: logger
        )
        let group = ServiceGroup(services: [server.makeApplication(services: [tracker])], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                try await waitUntilServing(http, port: port)
                var figures: [(GrowthFigure, Int)] = []
                for (figure, path) in paths {
                    figures.append((figure, try await GrowthRun.median { try await get(path, http) }))
                }
                try await http.shutdown()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return figures
            } catch {
                try? await http.shutdown()
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }

    private static func get(_ path: String, _ http: HTTPClient) async throws {
        let response = try await http.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 16 << 20)
        precondition(response.status == .ok, "GET \(path) answered \(response.status): \(String(buffer: body))")
    }
}
