import CoreMetrics
import PresenceModel
import Synchronization

/// Sends the tracker's counters to swift-metrics.
///
/// `seen()` only bumps plain counters under the buffer's lock; the flusher publishes what
/// changed since the last time, so the request path never calls into a metrics backend.
final class TrackerMetrics: Sendable {
    private let accepted = Counter(label: "presence_events_accepted_total")
    private let stored = Counter(label: "presence_events_stored_total")
    private let duplicates = Counter(label: "presence_events_duplicates_total")
    private let batches = Counter(label: "presence_batches_total")
    private let batchSize = Recorder(label: "presence_batch_size")
    private let flushDuration = Timer(label: "presence_flush_duration")
    private let bufferDepth = Gauge(label: "presence_buffer_depth")
    private let published = Mutex(PresenceTracker.Statistics())

    /// Publishes the growth of every counter since the last call, and the buffer depth.
    func publish(_ current: PresenceTracker.Statistics) {
        let previous = published.withLock { published in
            defer { published = current }
            return published
        }
        increment(accepted, by: current.accepted - previous.accepted)
        increment(stored, by: current.stored - previous.stored)
        increment(duplicates, by: current.duplicates - previous.duplicates)
        increment(batches, by: current.batches - previous.batches)
        for (code, count) in current.rejected {
            let delta = count - previous.rejected[code, default: 0]
            if delta > 0 {
                Counter(label: "presence_events_rejected_total", dimensions: [("reason", code.description)]).increment(by: delta)
            }
        }
        for (reason, count) in current.dropped {
            let delta = count - previous.dropped[reason, default: 0]
            if delta > 0 {
                Counter(label: "presence_events_dropped_total", dimensions: [("reason", reason.description)]).increment(by: delta)
            }
        }
        bufferDepth.record(current.buffered)
    }

    /// Records one committed batch.
    func recordBatch(size: Int, duration: Duration) {
        batchSize.record(size)
        flushDuration.recordInterval(duration)
    }

    private func increment(_ counter: Counter, by delta: Int) {
        if delta > 0 { counter.increment(by: delta) }
    }
}

extension Timer {
    /// Records a Swift `Duration`.
    fileprivate func recordInterval(_ duration: Duration) {
        recordNanoseconds(duration.wholeNanoseconds)
    }
}
