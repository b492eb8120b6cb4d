import PresenceModel

extension PresenceTracker {
    /// Why an accepted event was not stored.
    public enum DropReason: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// The buffer was full and the policy was ``OverflowPolicy/dropNewest``.
        case newest = "newest"
        /// The buffer was full and the event was the oldest of its ring (one ring per
        /// processor, ``Configuration/bufferShards``), under ``OverflowPolicy/dropOldest``.
        case oldest = "oldest"
        /// The buffer stayed full for the whole deadline of ``OverflowPolicy/wait(deadline:)``.
        case waitTimedOut = "wait_timed_out"
        /// The tracker shut down while the database stayed unreachable past the shutdown timeout.
        case shutdown = "shutdown"

        /// The label used in metrics.
        public var description: String { rawValue }
    }

    /// The tracker's counters at one moment.
    ///
    /// Read under the same lock that the buffer and the flusher update them under, so the
    /// identity `accepted == stored + duplicates + dropped + buffered` holds in every snapshot.
    public struct Statistics: Sendable, Hashable {
        /// Valid events offered to the tracker (including those later dropped).
        public var accepted = 0
        /// Events written to the log by this tracker.
        public var stored = 0
        /// Accepted events the log already had (same id, same time).
        public var duplicates = 0
        /// Events refused as invalid, by reason; they do not count as accepted.
        public var rejected: [RejectionReason.Code: Int] = [:]
        /// Accepted events dropped, by reason.
        public var dropped: [DropReason: Int] = [:]
        /// Events waiting in the buffer or in a batch being written.
        public var buffered = 0
        /// Batches committed.
        public var batches = 0
        /// The size of the last committed batch.
        public var lastBatchSize = 0
        /// How long the last committed batch took to write, retries included.
        public var lastFlushDuration: Duration = .zero

        /// All rejected events, whatever the reason.
        public var rejectedTotal: Int { rejected.values.reduce(0, +) }
        /// All dropped events, whatever the reason.
        public var droppedTotal: Int { dropped.values.reduce(0, +) }
        /// Whether `accepted == stored + duplicates + dropped + buffered`.
        public var isBalanced: Bool { accepted == stored + duplicates + droppedTotal + buffered }
    }
}
