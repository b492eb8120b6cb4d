import AsyncHTTPClient
import Benchmark
import BenchmarkSupport
import Foundation
import Logging
import NIOCore
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceServer
import PresenceStore
import Prometheus
import ServiceLifecycle
import Synchronization

/// Sustained events per second into the log: through `POST /v1/events` on loopback, with
/// several connections posting batches, against the library path (`seen()` on a
/// `PresenceTracker` until everything is committed) with the same events.
enum HTTPIngest {
    static let events = 500_000
    static let connections = 8
    static let port = 18_480
    static let rate = BenchmarkMetric.custom("events per second", useScalingFactor: false)

    static func register() {
        let configuration = Benchmark.Configuration(metrics: [rate], warmupIterations: 0, maxDuration: .seconds(300), maxIterations: 3)
        for batch in [100, 1_000] {
            Benchmark("http ingest x\(events), batches of \(batch)", configuration: configuration) { benchmark in
                benchmark.measurement(rate, try await throughHTTP(batch: batch))
            }
        }
        Benchmark("library ingest x\(events), seen() until committed", configuration: configuration) { benchmark in
            benchmark.measurement(rate, try await throughLibrary())
        }
    }

    /// Distinct events over the last day, so that each is stored (no duplicate path).
    static func makeEvents() -> [SeenEvent] {
        let now = Timestamp.now.microsecondsSince1970
        return (0..<events).map { index in
            SeenEvent(
                user: "user-\(index % 50_000)",
                at: Timestamp(microsecondsSince1970: now - 86_400_000_000 + Int64(index) * 150),
                location: "/forum/\(index % 997)"
            )
        }
    }

    /// JSON bodies of `batch` events each.
    static func makeBodies(batch: Int) -> [ByteBuffer] {
        let all = makeEvents()
        return stride(from: 0, to: all.count, by: batch).map { start in
            let items = all[start..<min(start + batch, all.count)].map { event in
                #"{"id":"\#(event.id.uuidString.lowercased())","user":"\#(event.user)","at":"\#(event.at.rfc3339)","location":"\#(event.location ?? "")"}"#
            }
            return ByteBuffer(string: "[" + items.joined(separator: ",") + "]")
        }
    }

    static func throughHTTP(batch: Int) async throws -> Int {
        let bodies = makeBodies(batch: batch)
        var stored = 0
        var seconds = 0.0
        try await withFreshDatabase("presence_bench_http", logger: logger) { settings, _ in
            let client = settings.makeClient(logger: logger)
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
            let group = ServiceGroup(services: [server.makeApplication(services: [client, tracker])], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var httpConfiguration = HTTPClient.Configuration()
                httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
                let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
                try await waitUntilServing(http, port: port)
                let next = Counter()
                let start = ContinuousClock.now
                stored = try await withThrowingTaskGroup(of: Int.self) { posters in
                    for _ in 0..<connections {
                        posters.addTask {
                            var stored = 0
                            while let index = next.take(below: bodies.count) {
                                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events")
                                request.method = .POST
                                request.headers.add(name: "Content-Type", value: "application/json")
                                request.body = .bytes(bodies[index])
                                let response = try await http.execute(request, timeout: .seconds(60))
                                let body = try await response.body.collect(upTo: 1 << 20)
                                precondition(response.status == .ok, "POST answered \(response.status): \(String(buffer: body))")
                                stored += try JSONDecoder().decode(Answer.self, from: body).stored
                            }
                            return stored
                        }
                    }
                    return try await posters.reduce(0, +)
                }
                seconds = (ContinuousClock.now - start) / .seconds(1)
                try await http.shutdown()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
        precondition(stored == events, "stored \(stored) of \(events)")
        return Int(Double(events) / seconds)
    }

    static func throughLibrary() async throws -> Int {
        let all = makeEvents()
        var seconds = 0.0
        try await withFreshDatabase("presence_bench_http", logger: logger) { settings, database in
            let client = settings.makeClient(logger: logger)
            let tracker = PresenceTracker(client: client, logger: logger)
            let group = ServiceGroup(services: [client, tracker], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let start = ContinuousClock.now
                for event in all { try await tracker.record(event) }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                seconds = (ContinuousClock.now - start) / .seconds(1)
            }
            let rows = try await database.query("SELECT count(*)::int8 FROM seen_events", logger: logger).collect()
            let count = try rows.first?.decode(Int.self)
            precondition(count == events, "the log holds \(count ?? 0) of \(events) events")
        }
        return Int(Double(events) / seconds)
    }

    struct Answer: Decodable {
        var stored: Int
    }

    /// Hands out the bodies' indexes to the posting tasks.
    final class Counter: Sendable {
        private let value = Mutex(0)

        func take(below limit: Int) -> Int? {
            value.withLock { value in
                guard value < limit else { return nil }
                defer { value += 1 }
                return value
            }
        }
    }
}
