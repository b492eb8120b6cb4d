import AsyncHTTPClient
import Benchmark
import BenchmarkSupport
import Foundation
import NIOCore
import PresenceStore
import PresenceVapor
import Vapor

/// What PresenceVapor's `PresenceMiddleware` adds to a request: two applications, one
/// without and one with the middleware (and Presence running as the integration runs it,
/// `app.presence.use`), serve the same trivial route; requests alternate between them.
///
/// In the process, the applications' responders are called on one event loop, which is
/// where Vapor calls them: the route, Vapor's middleware chain and ours complete there
/// without a hop, so a microsecond is not lost in the noise of task switches. Over loopback
/// HTTP, the same through Vapor's HTTP server.
enum VaporMiddlewareCost {
    static let requests = 200_000
    static let httpRequests = 20_000

    static func register() {
        let configuration = AlternatingLatencies.configuration
        Benchmark("vapor request in process x\(requests), with and without the middleware", configuration: configuration) { benchmark in
            try await withApplications { plain, tracked in try await inProcess(plain, tracked) }.record(into: benchmark)
        }
        Benchmark("vapor request over loopback HTTP x\(httpRequests), with and without the middleware", configuration: configuration) { benchmark in
            try await withApplications { plain, tracked in try await overHTTP(plain, tracked) }.record(into: benchmark)
        }
    }

    /// Runs `body` with the two booted applications, and shuts them down after.
    static func withApplications(_ body: (Application, Application) async throws -> AlternatingLatencies) async throws -> AlternatingLatencies {
        var result = AlternatingLatencies(reservingCapacity: 0)
        try await withFreshDatabase("presence_bench_vapor_middleware", logger: logger) { settings, _ in
            let plain = try await application(presence: nil)
            let tracked = try await application(presence: settings)
            do {
                try await plain.asyncBoot()
                try await tracked.asyncBoot()
                result = try await body(plain, tracked)
                let accepted = tracked.presence.tracker.statistics.accepted
                precondition(accepted == result.with.count, "the middleware recorded \(accepted) of \(result.with.count) requests")
            } catch {
                try await plain.asyncShutdown()
                try await tracked.asyncShutdown()
                throw error
            }
            try await plain.asyncShutdown()
            try await tracked.asyncShutdown()
        }
        return result
    }

    /// An application with one route, `/forum/:id`, and no middleware but, when `presence`
    /// is given, PresenceMiddleware with the user from `X-User`.
    static func application(presence: ConnectionSettings?) async throws -> Application {
        let app = try await Application.make(.testing)
        app.logger = logger
        app.middleware = Middlewares()
        if let presence {
            try app.presence.use(presence)
            app.middleware.use(PresenceMiddleware(tracker: app.presence.tracker) { $0.headers.first(name: "X-User") })
        }
        app.get("forum", ":id") { _ in "ok" }
        return app
    }

    static func inProcess(_ plain: Application, _ tracked: Application) async throws -> AlternatingLatencies {
        let loop = plain.eventLoopGroup.any()
        let responders = [plain.responder.current, tracked.responder.current]
        return try await loop.submit {
            let clock = ContinuousClock()
            var latencies = AlternatingLatencies(reservingCapacity: requests)
            for index in 0..<requests {
                for variant in index % 2 == 0 ? [0, 1] : [1, 0] {
                    let request = Request(
                        application: variant == 0 ? plain : tracked,
                        method: .GET,
                        url: URI(path: "/forum/\(index % 1_000)"),
                        headers: ["X-User": "user-\(index % 10_000)"],
                        on: loop
                    )
                    let start = clock.now
                    var end: ContinuousClock.Instant?
                    responders[variant].respond(to: request).whenComplete { _ in end = clock.now }
                    guard let end else { preconditionFailure("the route did not answer on the event loop at once") }
                    latencies.append(end - start, withMiddleware: variant == 1)
                }
            }
            return latencies
        }.get()
    }

    static func overHTTP(_ plain: Application, _ tracked: Application) async throws -> AlternatingLatencies {
        let ports = [18_491, 18_492]
        try await plain.server.start(address: .hostname("127.0.0.1", port: ports[0]))
        try await tracked.server.start(address: .hostname("127.0.0.1", port: ports[1]))
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let clock = ContinuousClock()
        var latencies = AlternatingLatencies(reservingCapacity: httpRequests)
        var index = 0
        while latencies.with.count < httpRequests {
            for variant in index % 2 == 0 ? [0, 1] : [1, 0] {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(ports[variant])/forum/\(index % 1_000)")
                request.headers.add(name: "X-User", value: "user-\(index % 10_000)")
                let start = clock.now
                let response = try await http.execute(request, timeout: .seconds(5))
                _ = try await response.body.collect(upTo: 1 << 16)
                latencies.append(clock.now - start, withMiddleware: variant == 1)
            }
            index += 1
        }
        try await http.shutdown()
        await plain.server.shutdown()
        await tracked.server.shutdown()
        return latencies
    }
}
