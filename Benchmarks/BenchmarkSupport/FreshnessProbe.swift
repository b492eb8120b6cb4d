import Foundation
import Logging
import PostgresNIO
import PresenceIngest
import Synchronization

/// How long after `seen()` a user shows in `online_users`, under steady background traffic
/// through the same tracker, with a following projector running beside it (the caller runs
/// the tracker and the projector).
public enum FreshnessProbe {
    /// Sends `eventsPerSecond` background events from a plain thread, paced in slices of 10 ms,
    /// and every 50 ms a new probe user, for `duration`; returns how long each probe took to
    /// show in `online_users`, in the order measured.
    ///
    /// - Parameters:
    ///   - tracker: The running tracker the traffic goes through.
    ///   - client: The pool to look for the probes through.
    ///   - eventsPerSecond: The background traffic, a multiple of 100.
    ///   - duration: How long to probe.
    ///   - logger: Where to log the queries.
    ///   - backgroundUser: The user of the n-th background event.
    public static func measure(
        tracker: PresenceTracker,
        client: PostgresClient,
        eventsPerSecond: Int,
        duration: Duration,
        logger: Logger,
        backgroundUser: @escaping @Sendable (Int) -> String
    ) async throws -> [Duration] {
        let running = Atomic(true)
        defer { running.store(false, ordering: .relaxed) }
        Thread.detachNewThread {
            let clock = ContinuousClock()
            var next = clock.now
            var index = 0
            while running.load(ordering: .relaxed) {
                for _ in 0..<(eventsPerSecond / 100) {
                    tracker.seen(user: backgroundUser(index), location: "/page/\(index % 97)")
                    index += 1
                }
                next += .milliseconds(10)
                let wait = next - clock.now
                if wait > .zero { Thread.sleep(forTimeInterval: wait / .seconds(1)) }
            }
        }
        var latencies: [Duration] = []
        let end = ContinuousClock.now + duration
        var probe = 0
        while ContinuousClock.now < end {
            probe += 1
            let user = "probe-\(probe)"
            let seenAt = ContinuousClock.now
            await tracker.seen(user: user, location: "/probe")
            while try await client.query("SELECT 1 FROM online_users WHERE user_id = \(user)", logger: logger).collect().isEmpty {
                try await Task.sleep(for: .milliseconds(5))
            }
            latencies.append(ContinuousClock.now - seenAt)
            try await Task.sleep(for: .milliseconds(50))
        }
        return latencies
    }

    /// The latency at a quantile (0.5, 0.99) of `latencies`, in milliseconds.
    public static func milliseconds(_ latencies: [Duration], quantile: Double) -> Int {
        let sorted = latencies.sorted()
        return Int(sorted[min(sorted.count - 1, Int(Double(sorted.count) * quantile))] / .milliseconds(1))
    }
}
