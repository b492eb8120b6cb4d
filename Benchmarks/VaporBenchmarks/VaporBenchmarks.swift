import Benchmark
import Logging

// What PresenceVapor's middleware adds to a request, measured as the Hummingbird
// middleware's is (ServerBenchmarks): latency p50/p99 of a trivial route with and without it,
// in the process and over loopback HTTP, the two variants alternating request by request.

let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

let benchmarks: @Sendable () -> Void = {
    VaporMiddlewareCost.register()
}
