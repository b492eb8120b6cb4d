import Foundation
import PresenceModel

extension PresenceTracker {
    /// What the tracker does with an event when its buffer is full.
    public enum OverflowPolicy: Sendable, Hashable {
        /// Drop the event being offered; the buffer keeps the older ones. The default: the
        /// request path never waits.
        case dropNewest
        /// Drop the oldest buffered event of the caller's ring (``Configuration/bufferShards``)
        /// to make room for the new one.
        case dropOldest
        /// Wait until there is room, at most for the given time, then drop the event: the
        /// synchronous `seen()` blocks its thread meanwhile, the `async` one suspends its task.
        /// Use it only where a short wait on the request path is acceptable.
        case wait(deadline: Duration)
    }

    /// How the tracker buffers and flushes. The defaults suit a web application process.
    public struct Configuration: Sendable, Hashable {
        /// How many events the buffer holds. Default 65,536. At least 1: the tracker takes a
        /// smaller value as 1, and says so in its log.
        public var capacity: Int = 65_536
        /// The most events written in one batch (one INSERT, one transaction). Default 16,384:
        /// under load, large batches spread each commit's cost over many events; under light
        /// load batches are small anyway, written when ``maximumBatchAge`` has passed. At least
        /// 1 and at most ``capacity``: the tracker takes a value outside as the nearest bound.
        public var maximumBatchSize: Int = 16_384
        /// The longest an event waits in the buffer before its batch is written, even when the
        /// batch is not full. Default 200 ms.
        public var maximumBatchAge: Duration = .milliseconds(200)
        /// How many rings the buffer is split into, each with its own lock and its share of
        /// ``capacity``: `seen()` appends to the ring of the processor it runs on, so that
        /// threads on different processors never wait for each other. Default: one per
        /// processor the process may use. At least 1 and at most ``capacity``.
        public var bufferShards = ProcessInfo.processInfo.activeProcessorCount
        /// What to do when the buffer is full. Default ``OverflowPolicy/dropNewest``.
        public var overflowPolicy: OverflowPolicy = .dropNewest
        /// How far an event's time may lie ahead of the clock. Default 5 minutes.
        public var allowedClockSkew = PresenceDefaults.allowedClockSkew
        /// The first wait before retrying a failed write; it doubles up to ``maximumRetryDelay``.
        /// Default 100 ms.
        public var initialRetryDelay: Duration = .milliseconds(100)
        /// The longest wait between retries. Default 5 seconds.
        public var maximumRetryDelay: Duration = .seconds(5)
        /// On graceful shutdown, how long the tracker keeps trying to write what it holds while
        /// the database is unreachable; what is still unwritten then is counted as dropped.
        /// Default 30 seconds.
        public var shutdownTimeout: Duration = .seconds(30)

        /// Creates the default configuration.
        public init() {}
    }
}
