import PresenceModel
import Synchronization

/// One shard of the tracker's buffer: a ring of slots and the counters of the calls that
/// landed on it, behind a lock of its own, so that threads on different processors do not
/// wait for each other (``EventBuffer``).
final class BufferShard: Sendable {
    /// The ring and its counters.
    struct State: ~Copyable {
        var slots: [EventBuffer.Entry?]
        var head = 0
        var count = 0
        /// When the oldest entry arrived, on the clock's uptime; `nil` when empty. Kept when a
        /// batch takes part of the ring, so a batch is due no later than it would have been.
        var oldestArrival: Duration?
        /// Entries appended since the shard last woke the flusher.
        var sinceWake = 0
        var accepted = 0
        var droppedNewest = 0
        var droppedOldest = 0
        var droppedWaitTimedOut = 0
        var rejected: [RejectionReason.Code: Int] = [:]

        /// Appends an entry if there is room.
        ///
        /// - Returns: `nil` when full; else whether the flusher should look: the shard was
        ///   empty (a batch's age starts), or `wakeEvery` entries came since it last looked.
        mutating func append(_ entry: EventBuffer.Entry, capacity: Int, wakeEvery: Int, uptime: () -> Duration) -> Bool? {
            guard count < capacity else { return nil }
            var index = head + count
            if index >= capacity { index -= capacity }
            slots[index] = entry
            count += 1
            accepted += 1
            sinceWake += 1
            if count == 1 {
                oldestArrival = uptime()
            } else if sinceWake < wakeEvery {
                return false
            }
            sinceWake = 0
            return true
        }

        /// Puts an entry in place of the oldest of a full ring, which is counted as dropped.
        mutating func replaceOldest(with entry: EventBuffer.Entry, capacity: Int) {
            slots[head] = entry
            head = head + 1 == capacity ? 0 : head + 1
            accepted += 1
            droppedOldest += 1
        }

        /// Moves up to `limit` entries, oldest first, to `batch`.
        ///
        /// - Returns: How many.
        mutating func take(upTo limit: Int, into batch: inout [EventBuffer.Entry], capacity: Int) -> Int {
            let size = min(count, limit)
            for _ in 0..<size {
                batch.append(slots[head].take()!)
                head = head + 1 == capacity ? 0 : head + 1
            }
            count -= size
            if count == 0 { oldestArrival = nil }
            return size
        }

        /// Empties the ring.
        ///
        /// - Returns: How many entries it held.
        mutating func removeAll(capacity: Int) -> Int {
            let removed = count
            for offset in 0..<removed { slots[(head + offset) % capacity] = nil }
            head = 0
            count = 0
            oldestArrival = nil
            return removed
        }

        /// Adds this shard's counters to a snapshot.
        func add(to statistics: inout PresenceTracker.Statistics) {
            statistics.accepted += accepted
            statistics.buffered += count
            for (reason, dropped) in [
                (PresenceTracker.DropReason.newest, droppedNewest), (.oldest, droppedOldest), (.waitTimedOut, droppedWaitTimedOut),
            ]
            where dropped > 0 {
                statistics.dropped[reason, default: 0] += dropped
            }
            statistics.rejected.merge(rejected, uniquingKeysWith: +)
        }
    }

    /// Keeps this shard's lock and counters off the cache line of the object allocated before
    /// it: without it, two processors writing their own shards would still take turns with one
    /// line (false sharing).
    private let leadingPadding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// The most entries the ring holds.
    let capacity: Int
    /// The ring and its counters.
    let state: Mutex<State>
    /// The same for the object allocated after it.
    private let trailingPadding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

    /// A shard of `capacity` slots, allocated once.
    init(capacity: Int) {
        self.capacity = capacity
        state = Mutex(State(slots: Array(repeating: nil, count: capacity)))
    }
}
