import Benchmark
import Foundation
import LastSeenStamps
import PresenceIngest

/// What `seen()` costs the request path against the cache trick it replaces, at 1, 2, 4 and 8
/// threads in the same run: a last-seen stamp per user in one dictionary under one lock, and
/// the same in 64 dictionaries each under its own lock, chosen by the user's hash (the best a
/// cache trick can do against contention).
///
/// Each iteration is one run: the three variants one after the other, in an order that
/// rotates from run to run, each making ``calls`` calls spread over the threads. A figure is
/// the run's wall time per call in picoseconds (all threads' calls over the run's time); the
/// ratios are taken within each run, so that they share the machine's noise. report.py prints
/// the median run and the fastest and slowest.
///
/// Users and locations are short enough for Swift to keep them inline (at most 15 bytes), as
/// a request's own strings are never shared with other threads: a shared heap string's
/// reference count would make both sides take turns on its cache line, which no server does.
enum SeenCost {
    /// Calls per variant per run: long enough that a run takes a tenth of a second or more.
    static let calls = 2_000_000
    /// Runs per thread count.
    static let runs = 11
    static let threadCounts = [1, 2, 4, 8]

    static let seen = BenchmarkMetric.custom("seen ps per call", useScalingFactor: false)
    static let stamp = BenchmarkMetric.custom("stamp ps per call", useScalingFactor: false)
    static let shardedStamp = BenchmarkMetric.custom("sharded stamp ps per call", useScalingFactor: false)
    static let overStamp = BenchmarkMetric.custom("seen over stamp per mille", useScalingFactor: false)
    static let overShardedStamp = BenchmarkMetric.custom("seen over sharded stamp per mille", useScalingFactor: false)

    static func register() {
        registerAllocations()
        let configuration = Benchmark.Configuration(
            metrics: [seen, stamp, shardedStamp, overStamp, overShardedStamp],
            warmupIterations: 0,
            maxDuration: .seconds(600),
            maxIterations: runs
        )
        for threads in threadCounts {
            Benchmark("seen() against the stamps, \(threads) thread(s)", configuration: configuration) { benchmark in
                // A warm cache, as on a running site; a buffer with room for every call.
                let plain = LastSeenStamp()
                let sharded = ShardedLastSeenStamp()
                for user in users {
                    plain.seen(user)
                    sharded.seen(user)
                }
                let tracker = makeTracker(capacity: calls)
                let variants: [(BenchmarkMetric, @Sendable (Int, Int) -> Void)] = [
                    (seen, { @Sendable user, location in blackHole(tracker.seen(user: users[user], location: locations[location])) }),
                    (stamp, { @Sendable user, _ in plain.seen(users[user]) }),
                    (shardedStamp, { @Sendable user, _ in sharded.seen(users[user]) }),
                ]
                let run = benchmark.currentIteration
                var picoseconds: [BenchmarkMetric: Int] = [:]
                for offset in 0..<variants.count {
                    let (metric, call) = variants[(run + offset) % variants.count]
                    picoseconds[metric] = time(threads: threads, call)
                }
                precondition(tracker.statistics.accepted == calls, "seen() accepted \(tracker.statistics.accepted) of \(calls)")
                for (metric, value) in picoseconds { benchmark.measurement(metric, value) }
                benchmark.measurement(overStamp, picoseconds[seen]! * 1_000 / picoseconds[stamp]!)
                benchmark.measurement(overShardedStamp, picoseconds[seen]! * 1_000 / picoseconds[shardedStamp]!)
            }
        }
    }

    /// The allocations of ``calls`` calls of `seen()` on 8 threads: none beyond the strings,
    /// which here are kept inline.
    static func registerAllocations() {
        let configuration = Benchmark.Configuration(metrics: [.mallocCountTotal], warmupIterations: 0, maxIterations: 3)
        Benchmark("seen() allocations, \(calls) calls on 8 threads", configuration: configuration) { benchmark in
            let tracker = makeTracker(capacity: calls)
            benchmark.startMeasurement()
            _ = time(threads: 8) { user, location in blackHole(tracker.seen(user: users[user], location: locations[location])) }
            benchmark.stopMeasurement()
        }
    }

    /// Runs ``calls`` calls of `call(user, location)` spread over `threads` threads started
    /// together, and answers the wall time per call in picoseconds.
    static func time(threads: Int, _ call: @Sendable (Int, Int) -> Void) -> Int {
        let clock = ContinuousClock()
        let started = clock.now
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<calls / threads {
                call((index &* 7 &+ thread) % users.count, index % locations.count)
            }
        }
        let elapsed = clock.now - started
        return Int(elapsed / .nanoseconds(1) * 1_000) / calls
    }
}
