import Benchmark
import Foundation
import Logging
import PostgresNIO
import PresenceIngest
import PresenceModel
import PresenceStore
import ServiceLifecycle

// The ingest path's costs, each beside the baseline it must be compared with, measured in
// the same run: `Benchmarks/run` prints them side by side with their ratios.

/// Events of the end-to-end benchmarks.
let endToEndEvents = 1_000_000
/// Events of the naive one-INSERT-per-event benchmark (its rate is compared, not its total).
let naiveEvents = 10_000

let users = (0..<100_000).map { "user-\($0)" }
let locations = (0..<500).map { "/forum/\($0)" }

/// A pool that is never run: seen() never touches it.
let idleClient = PostgresClient(
    configuration: .init(unixSocketPath: "/nonexistent/.s.PGSQL.5432", username: "none", password: nil, database: nil)
)

func makeTracker(capacity: Int) -> PresenceTracker {
    var configuration = PresenceTracker.Configuration()
    configuration.capacity = capacity
    return PresenceTracker(client: idleClient, configuration: configuration, logger: Logger(label: "bench"))
}

let benchmarks: @Sendable () -> Void = {
    SeenCost.register()

    let trackerResident = BenchmarkMetric.custom("tracker resident bytes", useScalingFactor: false)
    Benchmark(
        "tracker memory, default capacity full",
        configuration: .init(metrics: [.peakMemoryResident, trackerResident], warmupIterations: 0, maxIterations: 1)
    ) { benchmark in
        let before = residentBytes()
        let tracker = makeTracker(capacity: PresenceTracker.Configuration().capacity)
        // Distinct strings of realistic length (longer than the 15 bytes Swift keeps inline).
        for call in 0..<PresenceTracker.Configuration().capacity {
            tracker.seen(user: "customer-\(call)@example.com", location: "/forum/thread/\(call)/page/2")
        }
        benchmark.measurement(trackerResident, residentBytes() - before)
        blackHole(tracker.statistics)
    }

    EndToEnd.register()
}

/// The process's resident memory, from /proc/self/statm.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
