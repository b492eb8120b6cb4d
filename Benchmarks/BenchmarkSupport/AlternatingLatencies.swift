import Benchmark

/// Latencies of one route with and without a middleware, its requests alternating with and
/// without it so that both share the machine's noise, recorded as four custom metrics: p50 and
/// p99 of each (report.py prints them side by side with the overhead).
public struct AlternatingLatencies: Sendable {
    /// Latencies with the middleware.
    public var with: [Duration] = []
    /// Latencies without it.
    public var without: [Duration] = []

    /// One iteration that records the four metrics: each benchmark measures its many
    /// requests inside that one iteration.
    public static var configuration: Benchmark.Configuration {
        Benchmark.Configuration(metrics: metrics, warmupIterations: 0, maxDuration: .seconds(300), maxIterations: 1)
    }

    /// The metrics ``record(into:)`` writes.
    static let metrics: [BenchmarkMetric] = [
        .custom("p50 with (ns)", useScalingFactor: false), .custom("p99 with (ns)", useScalingFactor: false),
        .custom("p50 without (ns)", useScalingFactor: false), .custom("p99 without (ns)", useScalingFactor: false),
    ]

    /// Empty lists with room for `count` requests each.
    public init(reservingCapacity count: Int) {
        with.reserveCapacity(count)
        without.reserveCapacity(count)
    }

    /// Adds one request's latency.
    public mutating func append(_ latency: Duration, withMiddleware: Bool) {
        if withMiddleware { with.append(latency) } else { without.append(latency) }
    }

    /// Writes the four percentiles into `benchmark`.
    public func record(into benchmark: Benchmark) {
        let values = [Self.percentile(with, 0.5), Self.percentile(with, 0.99), Self.percentile(without, 0.5), Self.percentile(without, 0.99)]
        for (metric, value) in zip(Self.metrics, values) {
            benchmark.measurement(metric, Self.nanoseconds(value))
        }
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
