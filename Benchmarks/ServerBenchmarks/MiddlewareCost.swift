import AsyncHTTPClient
import Benchmark
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
    static let p50 = BenchmarkMetric.custom("p50 with (ns)", useScalingFactor: false)
    static let p99 = BenchmarkMetric.custom("p99 with (ns)", useScalingFactor: false)
    static let baselineP50 = BenchmarkMetric.custom("p50 without (ns)", useScalingFactor: false)
    static let baselineP99 = BenchmarkMetric.custom("p99 without (ns)", useScalingFactor: false)

    static func register() {
        let configuration = Benchmark.Configuration(
            metrics: [p50, p99, baselineP50, baselineP99],
            warmupIterations: 0,
            maxDuration: .seconds(300),
            maxIterations: 1
        )
        Benchmark("request in process x\(requests), with and without the middleware", configuration: configuration) { benchmark in
            let (without, with) = try await inProcess()
            record(benchmark, without: without, with: with)
        }
        Benchmark("request over loopback HTTP x\(httpRequests), with and without the middleware", configuration: configuration) { benchmark in
            let (without, with) = try await overHTTP()
            record(benchmark, without: without, with: with)
        }
    }

    static func record(_ benchmark: Benchmark, without: [Duration], with: [Duration]) {
        benchmark.measurement(p50, nanoseconds(percentile(with, 0.5)))
        benchmark.measurement(p99, nanoseconds(percentile(with, 0.99)))
        benchmark.measurement(baselineP50, nanoseconds(percentile(without, 0.5)))
        benchmark.measurement(baselineP99, nanoseconds(percentile(without, 0.99)))
    }

    static let userHeader = HTTPField.Name("X-User")!

    static func router(tracker: PresenceTracker?) -> Router<BasicRequestContext> {
        let router = Router()
        if let tracker {
            router.add(middleware: PresenceMiddleware(tracker: tracker) { request, _ in request.headers[userHeader] })
        }
        router.get("/forum/{id}") { _, _ in "ok" }
        return router
    }

    static func inProcess() async throws -> (without: [Duration], with: [Duration]) {
        var result: ([Duration], [Duration]) = ([], [])
        try await withFreshDatabase("presence_bench_middleware") { settings, client in
            let tracker = PresenceTracker(client: client, logger: logger)
            let group = ServiceGroup(services: [tracker], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let plain = router(tracker: nil).buildResponder()
                let tracked = router(tracker: tracker).buildResponder()
                let channel = EmbeddedChannel()
                let clock = ContinuousClock()
                var without: [Duration] = []
                var with: [Duration] = []
                without.reserveCapacity(requests)
                with.reserveCapacity(requests)
                for index in 0..<requests {
                    let head = HTTPRequest(
                        method: .get,
                        scheme: "http",
                        authority: "localhost",
                        path: "/forum/\(index % 1_000)",
                        headerFields: [userHeader: "user-\(index % 10_000)"]
                    )
                    let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
                    let first = index % 2 == 0
                    for variant in first ? [0, 1] : [1, 0] {
                        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
                        let start = clock.now
                        _ = try await (variant == 0 ? plain : tracked).respond(to: request, context: context)
                        let elapsed = clock.now - start
                        if variant == 0 { without.append(elapsed) } else { with.append(elapsed) }
                    }
                }
                precondition(tracker.statistics.accepted == requests, "the middleware recorded \(tracker.statistics.accepted)")
                result = (without, with)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
        return result
    }

    static func overHTTP() async throws -> (without: [Duration], with: [Duration]) {
        var result: ([Duration], [Duration]) = ([], [])
        try await withFreshDatabase("presence_bench_middleware") { settings, client in
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
                var without: [Duration] = []
                var with: [Duration] = []
                var index = 0
                while with.count < httpRequests {
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
                        if port == 18_481 { without.append(elapsed) } else { with.append(elapsed) }
                    }
                    index += 1
                }
                try await http.shutdown()
                result = (without, with)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
        return result
    }

    static func percentile(_ durations: [Duration], _ fraction: Double) -> Duration {
        let sorted = durations.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
    }

    static func nanoseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }
}
