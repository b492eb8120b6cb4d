import Benchmark
import BenchmarkSupport
import Foundation
import Logging
import PostgresNIO
import PresenceEmbedded
import PresenceIngest
import PresenceModel
import PresenceProjector
import PresenceStore
import ServiceLifecycle

/// How long after seen() a user shows in online_users, with the tracker and a following
/// projector under a steady 10,000 events per second.
enum Freshness {
    static let rate = 10_000
    static let seconds = 15
    static let p50 = BenchmarkMetric.custom("freshness p50 (ms)", useScalingFactor: false)
    static let p99 = BenchmarkMetric.custom("freshness p99 (ms)", useScalingFactor: false)
    static let probes = BenchmarkMetric.custom("freshness probes", useScalingFactor: false)

    static func register() {
        Benchmark(
            "freshness at \(rate) events/s",
            configuration: .init(metrics: [p50, p99, probes], warmupIterations: 0, maxDuration: .seconds(120), maxIterations: 1)
        ) { benchmark in
            let admin = try await EmbeddedServer().start(logger: logger)
            let name = "presence_bench_freshness"
            try await admin.withClient(logger: logger) { client in
                try await client.dropDatabase(named: name, logger: logger)
                try await client.createDatabase(named: name, logger: logger)
            }
            let settings = admin.with(database: name)
            try await settings.withClient(logger: logger) { try await Migrator(client: $0).migrate(logger: logger) }
            let client = settings.makeClient(logger: logger)
            let tracker = PresenceTracker(client: client, logger: logger)
            let projector = Projector(client: client, logger: logger)
            let group = ServiceGroup(services: [client, tracker, projector], logger: logger)
            let latencies = try await withThrowingTaskGroup(of: [Duration].self) { tasks in
                tasks.addTask {
                    try await group.run()
                    return []
                }
                let latencies = try await FreshnessProbe.measure(
                    tracker: tracker,
                    client: client,
                    eventsPerSecond: rate,
                    duration: .seconds(seconds),
                    logger: logger
                ) { "user-\($0 % 50_000)" }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return latencies
            }
            benchmark.measurement(p50, FreshnessProbe.milliseconds(latencies, quantile: 0.50))
            benchmark.measurement(p99, FreshnessProbe.milliseconds(latencies, quantile: 0.99))
            benchmark.measurement(probes, latencies.count)
        }
    }
}
