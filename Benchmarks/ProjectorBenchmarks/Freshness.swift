import Benchmark
import Foundation
import Logging
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceProjector
import PresenceStore
import ServiceLifecycle
import Synchronization

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
                let running = Atomic(true)
                // Background traffic from a plain thread, paced in slices of 10 ms.
                Thread.detachNewThread {
                    let clock = ContinuousClock()
                    var next = clock.now
                    var index = 0
                    while running.load(ordering: .relaxed) {
                        for _ in 0..<(rate / 100) {
                            tracker.seen(user: "user-\(index % 50_000)", location: "/page/\(index % 97)")
                            index += 1
                        }
                        next += .milliseconds(10)
                        let wait = next - clock.now
                        if wait > .zero { Thread.sleep(forTimeInterval: wait / .seconds(1)) }
                    }
                }
                // Probes: a new user every 50 ms; how long until online_users lists it.
                var latencies: [Duration] = []
                let end = ContinuousClock.now + .seconds(seconds)
                var probe = 0
                while ContinuousClock.now < end {
                    probe += 1
                    let user = "probe-\(probe)"
                    let seenAt = ContinuousClock.now
                    tracker.seen(user: user, location: "/probe")
                    while true {
                        let rows = try await client.query("SELECT 1 FROM online_users WHERE user_id = \(user)", logger: logger).collect()
                        if !rows.isEmpty { break }
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    latencies.append(ContinuousClock.now - seenAt)
                    try await Task.sleep(for: .milliseconds(50))
                }
                running.store(false, ordering: .relaxed)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return latencies
            }
            let sorted = latencies.sorted()
            func milliseconds(_ quantile: Double) -> Int {
                let duration = sorted[min(sorted.count - 1, Int(Double(sorted.count) * quantile))]
                return Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
            }
            benchmark.measurement(p50, milliseconds(0.50))
            benchmark.measurement(p99, milliseconds(0.99))
            benchmark.measurement(probes, sorted.count)
        }
    }
}
