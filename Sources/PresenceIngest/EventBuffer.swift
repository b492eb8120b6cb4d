import Foundation
import PresenceModel
import Synchronization

/// The tracker's bounded buffer: one ring per processor (``BufferShard``), and the flusher's
/// counters.
///
/// `seen()` appends to the ring of the processor it runs on, under that ring's lock alone,
/// without allocating (the slots are allocated once): threads on different processors never
/// wait for each other. A full ring passes the entry to the next ones; the buffer is full only
/// when all are. The flusher takes batches from all rings and reports what became of them.
///
/// Every snapshot of ``statistics`` holds every ring's lock and the flusher's at once, and an
/// entry moves from a ring to a batch under both its ring's lock and the flusher's, so that
/// `accepted == stored + duplicates + dropped + buffered` holds in every snapshot.
final class EventBuffer: Sendable {
    /// An event as `seen()` takes it: its id is made later, by the flusher, so that the request
    /// path does not pay for random bytes.
    struct Entry: Sendable {
        var id: UUID?
        var user: String
        var at: Timestamp
        var location: String?
    }

    /// The result of offering an entry: a plain enum, which `seen()` passes on without the
    /// runtime's help (a payload of Concurrency's types cost the call a fifth of its
    /// instructions).
    enum Offer {
        /// The entry is in the buffer (and the flusher woken, if it waited for this).
        case appended
        /// The buffer is full and the policy keeps the caller waiting; nothing was counted.
        case full
        /// The entry was dropped (and counted).
        case dropped(PresenceTracker.DropReason)
    }

    /// What the flusher holds: the batches being written and what became of those written.
    private struct Flusher: ~Copyable {
        var inFlight = 0
        var stored = 0
        var duplicates = 0
        var droppedAtShutdown = 0
        var batches = 0
        var lastBatchSize = 0
        var lastFlushDuration = Duration.zero
        /// The flusher, while it waits for work.
        var continuation: CheckedContinuation<Void, Never>?
        /// A ring asked the flusher to look while it was not waiting yet.
        var wakePending = false
        var shutdownStarted: Duration?
        /// The ring the next batch starts with, so that every ring is drained in turn.
        var nextShard = 0
    }

    let capacity: Int
    let batchSize: Int
    let clock: any TrackerClock
    private let shards: [BufferShard]
    /// How many rings there are.
    var shardCount: Int { shards.count }
    /// How many entries a ring takes before it asks the flusher to look again: a batch's
    /// share of it, so that a full batch across the rings is noticed within one more batch.
    private let wakeEvery: Int
    private let flusher: Mutex<Flusher>

    /// A buffer of `capacity` entries in `shards` rings (at most one per entry), handed out in
    /// batches of at most `batchSize`; both are at least 1 (``PresenceTracker`` raises smaller
    /// configured values). Batch ages are measured on the clock's uptime.
    init(capacity: Int, batchSize: Int, shards: Int = 1, clock: any TrackerClock = SystemTrackerClock()) {
        precondition(capacity > 0 && batchSize > 0, "capacity and batch size must be positive")
        self.capacity = capacity
        self.batchSize = min(batchSize, capacity)
        self.clock = clock
        let count = min(max(1, shards), capacity)
        self.shards = (0..<count).map { index in
            BufferShard(capacity: capacity / count + (index < capacity % count ? 1 : 0))
        }
        self.wakeEvery = max(1, self.batchSize / count)
        self.flusher = Mutex(Flusher())
    }

    /// Offers an accepted entry to the ring of the processor the caller runs on, then to the
    /// others. With `dropOldestWhenFull` a full buffer loses the oldest entry of that ring;
    /// with `waitWhenFull` it answers `.full` and counts nothing; otherwise the entry is
    /// dropped.
    func offer(_ entry: Entry, dropOldestWhenFull: Bool, waitWhenFull: Bool) -> Offer {
        offer(entry, shard: CurrentProcessor.shard(of: shards.count), dropOldestWhenFull: dropOldestWhenFull, waitWhenFull: waitWhenFull)
    }

    /// ``offer(_:dropOldestWhenFull:waitWhenFull:)`` starting with a given ring.
    func offer(_ entry: Entry, shard first: Int, dropOldestWhenFull: Bool, waitWhenFull: Bool) -> Offer {
        var index = first
        for _ in 0..<shards.count {
            let shard = shards[index]
            let appended = shard.state.withLock { state in
                state.append(entry, capacity: shard.capacity, wakeEvery: wakeEvery) { clock.uptime }
            }
            if let wake = appended {
                if wake { wakeFlusher() }
                return .appended
            }
            index = index + 1 == shards.count ? 0 : index + 1
        }
        if waitWhenFull { return .full }
        let shard = shards[first]
        let (offer, wake) = shard.state.withLock { state -> (Offer, Bool) in
            // The flusher may have made room since.
            if let wake = state.append(entry, capacity: shard.capacity, wakeEvery: wakeEvery, uptime: { clock.uptime }) {
                return (.appended, wake)
            }
            guard dropOldestWhenFull else {
                state.accepted += 1
                state.droppedNewest += 1
                return (.dropped(.newest), false)
            }
            state.replaceOldest(with: entry, capacity: shard.capacity)
            return (.appended, false)
        }
        if wake { wakeFlusher() }
        return offer
    }

    /// Resumes the flusher when it waits; otherwise notes that it should look again before
    /// it waits.
    private func wakeFlusher() {
        let continuation = flusher.withLock { flusher in
            if flusher.continuation == nil { flusher.wakePending = true }
            return flusher.continuation.take()
        }
        continuation?.resume()
    }

    /// Counts a valid entry that waited for room in vain.
    func countTimedOut() {
        shards[CurrentProcessor.shard(of: shards.count)].state.withLock { state in
            state.accepted += 1
            state.droppedWaitTimedOut += 1
        }
    }

    /// Counts an invalid event.
    func countRejected(_ code: RejectionReason.Code) {
        shards[CurrentProcessor.shard(of: shards.count)].state.withLock { $0.rejected[code, default: 0] += 1 }
    }

    /// How many entries wait in the rings, and when the oldest of them arrived.
    private func survey() -> (count: Int, oldestArrival: Duration?) {
        var count = 0
        var oldest: Duration?
        for shard in shards {
            let (shardCount, arrival) = shard.state.withLock { ($0.count, $0.oldestArrival) }
            count += shardCount
            if let arrival { oldest = min(oldest ?? arrival, arrival) }
        }
        return (count, oldest)
    }

    /// Takes up to `batchSize` entries when a batch is due: full, older than `maximumAge`, or
    /// anything at all when `force` is set or the tracker is shutting down. The entries count as
    /// buffered until ``complete(_:stored:duplicates:duration:)`` or ``dropInFlight(_:)``.
    func takeBatch(maximumAge: Duration, force: Bool) -> [Entry]? {
        let (count, oldest) = survey()
        guard count > 0 else { return nil }
        let (shuttingDown, start) = flusher.withLock { flusher in
            let start = flusher.nextShard
            flusher.nextShard = start + 1 == shards.count ? 0 : start + 1
            return (flusher.shutdownStarted != nil, start)
        }
        let due =
            force || shuttingDown || count >= batchSize || (oldest.map { clock.uptime - $0 >= maximumAge } ?? false)
        guard due else { return nil }
        var batch: [Entry] = []
        batch.reserveCapacity(min(count, batchSize))
        for offset in 0..<shards.count where batch.count < batchSize {
            let shard = shards[(start + offset) % shards.count]
            shard.state.withLock { state in
                let taken = state.take(upTo: batchSize - batch.count, into: &batch, capacity: shard.capacity)
                if taken > 0 { flusher.withLock { $0.inFlight += taken } }
            }
        }
        return batch.isEmpty ? nil : batch
    }

    /// Records a committed batch.
    func complete(_ size: Int, stored: Int, duplicates: Int, duration: Duration) {
        flusher.withLock { flusher in
            flusher.inFlight -= size
            flusher.stored += stored
            flusher.duplicates += duplicates
            flusher.batches += 1
            flusher.lastBatchSize = size
            flusher.lastFlushDuration = duration
        }
    }

    /// Gives up on a batch being written (shutdown past its timeout): its entries count as dropped.
    func dropInFlight(_ size: Int) {
        flusher.withLock { flusher in
            flusher.inFlight -= size
            flusher.droppedAtShutdown += size
        }
    }

    /// Empties the buffer, counting its entries as dropped at shutdown.
    ///
    /// - Returns: How many entries were dropped.
    func dropAll() -> Int {
        var dropped = 0
        for shard in shards {
            shard.state.withLock { state in
                let removed = state.removeAll(capacity: shard.capacity)
                if removed > 0 { flusher.withLock { $0.droppedAtShutdown += removed } }
                dropped += removed
            }
        }
        return dropped
    }

    /// The counters, consistent with each other: read under every ring's lock and the
    /// flusher's, taken in the same order as everywhere else (rings in order, then the
    /// flusher's).
    var statistics: PresenceTracker.Statistics {
        var statistics = PresenceTracker.Statistics()
        snapshot(from: 0, into: &statistics)
        return statistics
    }

    private func snapshot(from index: Int, into statistics: inout PresenceTracker.Statistics) {
        guard index < shards.count else {
            flusher.withLock { flusher in
                statistics.buffered += flusher.inFlight
                statistics.stored = flusher.stored
                statistics.duplicates = flusher.duplicates
                if flusher.droppedAtShutdown > 0 { statistics.dropped[.shutdown] = flusher.droppedAtShutdown }
                statistics.batches = flusher.batches
                statistics.lastBatchSize = flusher.lastBatchSize
                statistics.lastFlushDuration = flusher.lastFlushDuration
            }
            return
        }
        shards[index].state.withLock { state in
            state.add(to: &statistics)
            snapshot(from: index + 1, into: &statistics)
        }
    }

    /// Whether no entry waits in the buffer (a batch may still be in flight).
    var isEmpty: Bool { survey().count == 0 }

    /// Marks the buffer as shutting down: every remaining entry is due, and the flusher wakes.
    func beginShutdown() {
        let continuation = flusher.withLock { flusher in
            if flusher.shutdownStarted == nil { flusher.shutdownStarted = clock.uptime }
            return flusher.continuation.take()
        }
        continuation?.resume()
    }

    /// When graceful shutdown began on the clock's uptime, if it has.
    var shutdownStarted: Duration? { flusher.withLock { $0.shutdownStarted } }

    /// Waits until a batch may be due: a full batch, the first entry's arrival, the oldest
    /// entry's age reaching `maximumAge`, shutdown, or `idleTimeout` when empty.
    func waitForWork(maximumAge: Duration, idleTimeout: Duration) async {
        // A ring that asks the flusher to look from now on is not missed while it surveys.
        guard
            flusher.withLock({ flusher in
                flusher.wakePending = false
                return flusher.shutdownStarted == nil
            })
        else { return }
        let (count, oldest) = survey()
        if count >= batchSize { return }
        let sleep: Duration
        if let oldest {
            sleep = oldest + maximumAge - clock.uptime
            guard sleep > .zero else { return }
        } else {
            sleep = idleTimeout
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await self.clock.sleep(for: sleep) }
            group.addTask { await self.parkFlusher() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Suspends until a ring or ``beginShutdown()`` wakes the flusher, or the task is
    /// cancelled. A ring that asked since the flusher last surveyed wakes it at once.
    private func parkFlusher() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = flusher.withLock { flusher in
                    if flusher.shutdownStarted != nil || flusher.wakePending || Task.isCancelled { return true }
                    flusher.continuation = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            flusher.withLock { $0.continuation.take() }?.resume()
        }
    }
}
