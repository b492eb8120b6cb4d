import AsyncHTTPClient
import Benchmark
import BenchmarkSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import PresenceHummingbird
import PresenceIngest
import PresenceStore
import ServiceLifecycle

/// What PresenceMiddleware adds to a request: latency percentiles of a trivial route with
/// and without it, measured in the process (the router's responder called directly, so the
/// network's noise does not hide a microsecond) and over loopback HTTP. The two variants
/// alternate request by request, so that they share the machine's noise.
enum MiddlewareCost {
    static let requests = 200_000
    static let httpRequests = 20_000

    static func register() {
        let configuration = AlternatingLatencies.configuration
        Benchmark("request in process x\(requests), with and without the middleware", configuration: configuration) { benchmark in
            try await inProcess().record(into: benchmark)
        }
        Benchmark("request over loopback HTTP x\(httpRequests), with and without the middleware", configuration: configuration) { benchmark in
            try await overHTTP().record(into: benchmark)
        }
        Benchmark(
            "requests in process from \(concurrentClients) concurrent clients, with and without the middleware",
            configuration: .init(metrics: concurrentMetrics, warmupIterations: 0, maxDuration: .seconds(300), maxIterations: 1)
        ) { benchmark in
            try await concurrent(into: benchmark)
        }
    }

    static let concurrentClients = 8
    static let concurrentRounds = 21
    /// Requests per client per round and variant.
    static let concurrentRequests = 5_000
    static let withPerRequest = BenchmarkMetric.custom("concurrent with ns per request", useScalingFactor: false)
    static let withoutPerRequest = BenchmarkMetric.custom("concurrent without ns per request", useScalingFactor: false)
    static let withOverWithout = BenchmarkMetric.custom("concurrent with over without per mille", useScalingFactor: false)
    static let concurrentMetrics = [withPerRequest, withoutPerRequest, withOverWithout]

    /// The middleware's cost when ``concurrentClients`` clients send requests at once, as on
    /// a server with a request on every event loop: rounds of each client sending
    /// ``concurrentRequests`` requests through the router's responder, without and with the
    /// middleware in an order that alternates, each round's figure its wall time per request.
    /// The tracker's flusher writes into the embedded server meanwhile, as it would.
    static func concurrent(into benchmark: Benchmark) async throws {
        // Room for every request: the clients send faster than the flusher writes, and a
        // dropped event would be a cheaper call than a buffered one.
        try await withResponders(capacity: concurrentClients * concurrentRequests * concurrentRounds) { tracker, plain, tracked in
            for round in 0..<concurrentRounds {
                var nanoseconds: [Bool: Int] = [:]
                for withMiddleware in round % 2 == 0 ? [false, true] : [true, false] {
                    nanoseconds[withMiddleware] = try await timeClients(withMiddleware ? tracked : plain)
                }
                benchmark.measurement(withPerRequest, nanoseconds[true]!)
                benchmark.measurement(withoutPerRequest, nanoseconds[false]!)
                benchmark.measurement(withOverWithout, nanoseconds[true]! * 1_000 / nanoseconds[false]!)
            }
            precondition(tracker.statistics.droppedTotal == 0, "the tracker dropped events: \(tracker.statistics)")
        }
    }

    /// Sends ``concurrentRequests`` requests from each of ``concurrentClients`` tasks at once,
    /// and answers the wall time per request in nanoseconds.
    static func timeClients(_ responder: some HTTPResponder<BasicRequestContext>) async throws -> Int {
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { clients in
            for client in 0..<concurrentClients {
                clients.addTask {
                    let channel = EmbeddedChannel()
                    for index in 0..<concurrentRequests {
                        let head = Self.head(index: index, user: index * concurrentClients + client)
                        let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
                        _ = try await responder.respond(to: Request(head: head, body: RequestBody(buffer: ByteBuffer())), context: context)
                    }
                }
            }
            try await clients.waitForAll()
        }
        return Int((clock.now - started) / .nanoseconds(1)) / (concurrentClients * concurrentRequests)
    }

    static let userHeader = HTTPField.Name("X-User")!

    /// The request of number `index` to the trivial route, from user number `user` (of 10,000).
    static func head(index: Int, user: Int) -> HTTPRequest {
        HTTPRequest(
            method: .get,
            scheme: "http",
            authority: "localhost",
            path: "/forum/\(index % 1_000)",
            headerFields: [userHeader: "user-\(user % 10_000)"]
        )
    }

    static func router(tracker: PresenceTracker?) -> Router<BasicRequestContext> {
        let router = Router()
        if let tracker {
            router.add(middleware: PresenceMiddleware(tracker: tracker) { request, _ in request.headers[userHeader] })
        }
        router.get("/forum/{id}") { _, _ in "ok" }
        return router
    }

    /// Runs `body` with a tracker of `capacity` whose flusher writes into a fresh database, and
    /// the route's responders without and with the middleware; then shuts the tracker down.
    static func withResponders(
        capacity: Int = PresenceTracker.Configuration().capacity,
        _ body: (PresenceTracker, RouterResponder<BasicRequestContext>, RouterResponder<BasicRequestContext>) async throws -> Void
    ) async throws {
        try await withFreshDatabase("presence_bench_middleware", logger: logger) { _, client in
            var configuration = PresenceTracker.Configuration()
            configuration.capacity = capacity
            let tracker = PresenceTracker(client: client, configuration: configuration, logger: logger)
            let group = ServiceGroup(services: [tracker], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await body(tracker, router(tracker: nil).buildResponder(), router(tracker: tracker).buildResponder())
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    static func inProcess() async throws -> AlternatingLatencies {
        var result = AlternatingLatencies(reservingCapacity: 0)
        try await withResponders { tracker, plain, tracked in
            let channel = EmbeddedChannel()
            let clock = ContinuousClock()
            var latencies = AlternatingLatencies(reservingCapacity: requests)
            for index in 0..<requests {
                let head = Self.head(index: index, user: index)
                let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
                let first = index % 2 == 0
                for variant in first ? [0, 1] : [1, 0] {
                    let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
                    let start = clock.now
                    _ = try await (variant == 0 ? plain : tracked).respond(to: request, context: context)
                    let elapsed = clock.now - start
                    latencies.append(elapsed, withMiddleware: variant == 1)
                }
            }
            precondition(tracker.statistics.accepted == requests, "the middleware recorded \(tracker.statistics.accepted)")
            result = latencies
        }
        return result
    }

    static func overHTTP() async throws -> AlternatingLatencies {
        var result = AlternatingLatencies(reservingCapacity: 0)
        try await withFreshDatabase("presence_bench_middleware", logger: logger) { settings, client in
            let tracker = PresenceTracker(client: client, logger: logger)
            let plain = Application(router: router(tracker: nil), configuration: .init(address: .hostname("127.0.0.1", port: 18_481)), logger: logger)
            let tracked = Application(
                router: router(tracker: tracker),
                configuration: .init(address: .hostname("127.0.0.1", port: 18_482)),
                logger: logger
            )
            let group = ServiceGroup(services: [tracker, plain, tracked], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                let clock = ContinuousClock()
                var latencies = AlternatingLatencies(reservingCapacity: httpRequests)
                var index = 0
                while latencies.with.count < httpRequests {
                    for port in index % 2 == 0 ? [18_481, 18_482] : [18_482, 18_481] {
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/forum/\(index % 1_000)")
                        request.headers.add(name: "X-User", value: "user-\(index % 10_000)")
                        let start = clock.now
                        guard let response = try? await http.execute(request, timeout: .seconds(5)) else {
                            try await Task.sleep(for: .milliseconds(20))  // the servers are still starting
                            continue
                        }
                        _ = try await response.body.collect(upTo: 1 << 16)
                        let elapsed = clock.now - start
                        latencies.append(elapsed, withMiddleware: port == 18_482)
                    }
                    index += 1
                }
                try await http.shutdown()
                result = latencies
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
        return result
    }
}
