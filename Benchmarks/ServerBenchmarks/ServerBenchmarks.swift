import Benchmark
import Logging

// presence serve beside the library, from one run: events per second through
// POST /v1/events on loopback (batches of 100 and 1,000) against the library's
// seen()-until-committed path, and the cost of PresenceMiddleware per request, as request
// latency p50/p99 of a trivial route with and without it.

let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

let benchmarks: @Sendable () -> Void = {
    HTTPIngest.register()
    MiddlewareCost.register()
}
