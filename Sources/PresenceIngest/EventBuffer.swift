import Foundation
import PresenceModel
import Synchronization

/// The tracker's bounded ring buffer and its counters, behind one lock.
///
/// `seen()` appends under the lock without allocating (the slots are allocated once); the
/// flusher takes batches out and reports what became of them. Keeping the counters under the
/// same lock as the events makes every ``PresenceTracker/Statistics`` snapshot balance exactly.
final class EventBuffer: Sendable {
    /// An event as `seen()` takes it: its id is made later, by the flusher, so that the request
    /// path does not pay for random bytes.
    struct Entry: Sendable {
        var id: UUID?
        var user: String
        var at: Timestamp
        var location: String?
    }

    /// The result of offering an entry.
    enum Offer {
        /// The entry is in the buffer; `wake` is the flusher to resume, if it waits for this.
        case appended(wake: CheckedContinuation<Void, Never>?)
        /// The buffer is full and the policy keeps the caller waiting; nothing was counted.
        case full
        /// The entry was dropped (and counted).
        case dropped(PresenceTracker.DropReason)
    }

    private struct State: ~Copyable {
        var slots: [Entry?]
        var head = 0
        var count = 0
        var inFlight = 0
        /// When the oldest buffered entry arrived, on the clock's uptime; `nil` when the
        /// buffer is empty.
        var oldestArrival: Duration?
        var statistics = PresenceTracker.Statistics()
        var flusher: CheckedContinuation<Void, Never>?
        var shutdownStarted: Duration?
    }

    let capacity: Int
    let batchSize: Int
    let clock: any TrackerClock
    private let state: Mutex<State>

    /// A buffer of `capacity` entries handed out in batches of at most `batchSize`; both are
    /// at least 1 (``PresenceTracker`` raises smaller configured values). Batch ages are
    /// measured on the clock's uptime.
    init(capacity: Int, batchSize: Int, clock: any TrackerClock = SystemTrackerClock()) {
        precondition(capacity > 0 && batchSize > 0, "capacity and batch size must be positive")
        self.capacity = capacity
        self.batchSize = min(batchSize, capacity)
        self.clock = clock
        self.state = Mutex(State(slots: Array(repeating: nil, count: capacity)))
    }

    /// Offers an accepted entry. With `dropOldestWhenFull` a full buffer loses its oldest entry;
    /// with `waitWhenFull` it answers `.full` and counts nothing; otherwise the entry is dropped.
    func offer(_ entry: Entry, dropOldestWhenFull: Bool, waitWhenFull: Bool) -> Offer {
        state.withLock { state in
            if state.count == capacity {
                if waitWhenFull { return .full }
                state.statistics.accepted += 1
                guard dropOldestWhenFull else {
                    state.statistics.dropped[.newest, default: 0] += 1
                    return .dropped(.newest)
                }
                state.slots[state.head] = entry
                state.head = (state.head + 1) % capacity
                state.statistics.dropped[.oldest, default: 0] += 1
                return .appended(wake: nil)
            }
            var index = state.head + state.count
            if index >= capacity { index -= capacity }
            state.slots[index] = entry
            state.count += 1
            state.statistics.accepted += 1
            if state.count == 1 { state.oldestArrival = clock.uptime }
            // Wake a waiting flusher when its timer must start (first entry) or a batch is full.
            guard state.count == 1 || state.count >= batchSize, let flusher = state.flusher else {
                return .appended(wake: nil)
            }
            state.flusher = nil
            return .appended(wake: flusher)
        }
    }

    /// Counts a valid entry that was dropped without entering the buffer.
    func countDropped(_ reason: PresenceTracker.DropReason) {
        state.withLock { state in
            state.statistics.accepted += 1
            state.statistics.dropped[reason, default: 0] += 1
        }
    }

    /// Counts an invalid event.
    func countRejected(_ code: RejectionReason.Code) {
        state.withLock { $0.statistics.rejected[code, default: 0] += 1 }
    }

    /// Takes up to `batchSize` entries when a batch is due: full, older than `maximumAge`, or
    /// anything at all when `force` is set or the tracker is shutting down. The entries count as
    /// buffered until ``complete(_:stored:duplicates:duration:)`` or ``dropInFlight(_:)``.
    func takeBatch(maximumAge: Duration, force: Bool) -> [Entry]? {
        state.withLock { state in
            guard state.count > 0 else { return nil }
            let due =
                force || state.shutdownStarted != nil || state.count >= batchSize
                || (state.oldestArrival.map { clock.uptime - $0 >= maximumAge } ?? false)
            guard due else { return nil }
            let size = min(state.count, batchSize)
            var batch: [Entry] = []
            batch.reserveCapacity(size)
            for _ in 0..<size {
                batch.append(state.slots[state.head].take()!)
                state.head = state.head + 1 == capacity ? 0 : state.head + 1
            }
            state.count -= size
            state.inFlight += size
            if state.count == 0 { state.oldestArrival = nil }
            return batch
        }
    }

    /// Records a committed batch.
    func complete(_ size: Int, stored: Int, duplicates: Int, duration: Duration) {
        state.withLock { state in
            state.inFlight -= size
            state.statistics.stored += stored
            state.statistics.duplicates += duplicates
            state.statistics.batches += 1
            state.statistics.lastBatchSize = size
            state.statistics.lastFlushDuration = duration
        }
    }

    /// Gives up on a batch being written (shutdown past its timeout): its entries count as dropped.
    func dropInFlight(_ size: Int) {
        state.withLock { state in
            state.inFlight -= size
            state.statistics.dropped[.shutdown, default: 0] += size
        }
    }

    /// Empties the buffer, counting its entries as dropped at shutdown.
    ///
    /// - Returns: How many entries were dropped.
    func dropAll() -> Int {
        state.withLock { state in
            let dropped = state.count
            guard dropped > 0 else { return 0 }
            for offset in 0..<dropped { state.slots[(state.head + offset) % capacity] = nil }
            state.head = 0
            state.count = 0
            state.oldestArrival = nil
            state.statistics.dropped[.shutdown, default: 0] += dropped
            return dropped
        }
    }

    /// The counters, consistent with each other.
    var statistics: PresenceTracker.Statistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.buffered = state.count + state.inFlight
            return statistics
        }
    }

    /// Whether no entry waits in the buffer (a batch may still be in flight).
    var isEmpty: Bool { state.withLock { $0.count == 0 } }

    /// Marks the buffer as shutting down: every remaining entry is due, and the flusher wakes.
    func beginShutdown() {
        let flusher = state.withLock { state in
            if state.shutdownStarted == nil { state.shutdownStarted = clock.uptime }
            return state.flusher.take()
        }
        flusher?.resume()
    }

    /// When graceful shutdown began on the clock's uptime, if it has.
    var shutdownStarted: Duration? { state.withLock { $0.shutdownStarted } }

    /// Waits until a batch may be due: a full batch, the first entry's arrival, the oldest
    /// entry's age reaching `maximumAge`, shutdown, or `idleTimeout` when empty.
    func waitForWork(maximumAge: Duration, idleTimeout: Duration) async {
        let (sleep, wasEmpty): (Duration?, Bool) = state.withLock { state in
            if state.shutdownStarted != nil || state.count >= batchSize { return (nil, false) }
            guard let oldest = state.oldestArrival else { return (idleTimeout, true) }
            let remaining = oldest + maximumAge - clock.uptime
            return (remaining > .zero ? remaining : nil, false)
        }
        guard let sleep else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await self.clock.sleep(for: sleep) }
            group.addTask { await self.parkFlusher(wasEmpty: wasEmpty) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Suspends until ``offer(_:dropOldestWhenFull:waitWhenFull:)`` or ``beginShutdown()``
    /// wakes the flusher, or the task is cancelled. An entry that arrived since the caller saw
    /// an empty buffer counts as the wake-up it would have sent.
    private func parkFlusher(wasEmpty: Bool) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.shutdownStarted != nil || state.count >= batchSize || (wasEmpty && state.count > 0)
                        || Task.isCancelled
                    {
                        return true
                    }
                    state.flusher = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.flusher.take() }?.resume()
        }
    }
}
