import Foundation
import Logging
import PostgresNIO
import PresenceModel
import PresenceStore
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Records seen-events on the request path and writes them to the event log in batches.
///
/// Hold one per process. ``seen(user:at:location:id:)`` validates an event and appends it to a
/// bounded in-memory buffer; it is safe from any thread or task, never awaits, and never blocks
/// unless the overflow policy is ``OverflowPolicy/wait(deadline:)``. The tracker is a
/// `Service`: its ``run()`` is the flusher, which writes batches (one bound INSERT each), each
/// event once, retries with backoff while PostgreSQL is unreachable, and on graceful shutdown
/// writes what it holds before it returns. Run it in a `ServiceGroup` after the `PostgresClient`:
///
/// ```swift
/// let tracker = PresenceTracker(client: client, logger: logger)
/// let group = ServiceGroup(services: [client, tracker], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public final class PresenceTracker: Service, Sendable {
    /// How the tracker buffers and flushes.
    public let configuration: Configuration

    let buffer: EventBuffer
    let rules: SeenEvent.Rules
    private let sink: any EventSink
    private let clock: any TrackerClock
    private let logger: Logger
    private let metrics: TrackerMetrics

    /// Creates a tracker that writes into the event log; nothing is written until ``run()``
    /// runs.
    ///
    /// - Parameters:
    ///   - client: The pool to write through; the event log must be migrated.
    ///   - configuration: Buffer size, batching, overflow policy, retries.
    ///   - logger: Where the flusher logs failed writes and retries.
    public convenience init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger) {
        self.init(sink: EventLogWriter(client: client, logger: logger), configuration: configuration, logger: logger)
    }

    /// Creates a tracker that writes through a sink of its own, on a clock of its own.
    ///
    /// - Parameters:
    ///   - sink: Where the flusher writes its batches.
    ///   - configuration: Buffer size, batching, overflow policy, retries.
    ///   - clock: The time it reads and waits on. Default: the system's.
    ///   - logger: Where the flusher logs failed writes and retries.
    public init(
        sink: some EventSink,
        configuration: Configuration = Configuration(),
        clock: some TrackerClock = SystemTrackerClock(),
        logger: Logger
    ) {
        self.sink = sink
        self.clock = clock
        self.configuration = configuration
        self.logger = logger
        if configuration.capacity < 1 || configuration.maximumBatchSize < 1 {
            logger.warning(
                "the tracker's buffer capacity and batch size must be at least 1; taking 1 for what is smaller",
                metadata: ["capacity": "\(configuration.capacity)", "maximum_batch_size": "\(configuration.maximumBatchSize)"]
            )
        }
        self.buffer = EventBuffer(
            capacity: max(1, configuration.capacity),
            batchSize: max(1, configuration.maximumBatchSize),
            shards: configuration.bufferShards,
            clock: clock
        )
        var rules = SeenEvent.Rules()
        rules.allowedClockSkew = configuration.allowedClockSkew
        self.rules = rules
        self.metrics = TrackerMetrics()
    }

    /// Records that a user was seen.
    ///
    /// Validates the event (DESIGN.md's rules) and appends it to the buffer. Never awaits, and
    /// allocates nothing beyond what the strings themselves hold. Under
    /// ``OverflowPolicy/wait(deadline:)`` a full buffer blocks the calling thread; from async
    /// code (a request handler, a middleware) call the `async` variant, which suspends instead.
    ///
    /// - Parameters:
    ///   - user: Who was seen, 1 to 256 bytes of UTF-8.
    ///   - at: When; `nil` (the default) for now.
    ///   - location: Where in the application, up to 2048 bytes, if known.
    ///   - id: The event's id, when the producer has one (a retry then counts as a duplicate);
    ///     a UUIDv7 is made otherwise.
    /// - Returns: Whether the event was accepted, rejected (and why) or dropped.
    @discardableResult
    public func seen(user: String, at: Date? = nil, location: String? = nil, id: UUID? = nil) -> SeenOutcome {
        switch admit(user: user, at: at, location: location, id: id) {
        case .decided(let outcome): outcome
        case .waitForRoom(let entry, let deadline): waitForRoom(entry, deadline: deadline)
        }
    }

    /// Records that a user was seen, from async code.
    ///
    /// The same as the synchronous ``seen(user:at:location:id:)``, but under
    /// ``OverflowPolicy/wait(deadline:)`` it waits for room by suspending the task, never by
    /// blocking its thread: a thread of Swift's cooperative pool or of an event loop serves
    /// others meanwhile. Cancelling the task ends the wait, and the event is dropped as when
    /// the deadline passes. Under the other policies it never suspends.
    ///
    /// - Parameters:
    ///   - user: Who was seen, 1 to 256 bytes of UTF-8.
    ///   - at: When; `nil` (the default) for now.
    ///   - location: Where in the application, up to 2048 bytes, if known.
    ///   - id: The event's id, when the producer has one; a UUIDv7 is made otherwise.
    /// - Returns: Whether the event was accepted, rejected (and why) or dropped.
    @discardableResult
    public func seen(user: String, at: Date? = nil, location: String? = nil, id: UUID? = nil) async -> SeenOutcome {
        switch admit(user: user, at: at, location: location, id: id) {
        case .decided(let outcome): outcome
        case .waitForRoom(let entry, let deadline): await suspendForRoom(entry, deadline: deadline)
        }
    }

    /// What became of an event offered under the tracker's policy, or that it waits for room.
    private enum Admission {
        case decided(SeenOutcome)
        case waitForRoom(EventBuffer.Entry, deadline: Duration)
    }

    /// Validates an event and offers it to the buffer under the overflow policy.
    private func admit(user: String, at: Date?, location: String?, id: UUID?) -> Admission {
        let now = clock.now
        let time = at.map(Timestamp.init) ?? now
        if let reason = SeenEvent.validate(
            user: user,
            at: time,
            location: location,
            receivedAt: now,
            rules: rules
        ) {
            buffer.countRejected(reason.code)
            return .decided(.rejected(reason))
        }
        let entry = EventBuffer.Entry(id: id, user: user, at: time, location: location)
        switch configuration.overflowPolicy {
        case .dropNewest:
            return .decided(Self.outcome(buffer.offer(entry, dropOldestWhenFull: false, waitWhenFull: false)))
        case .dropOldest:
            return .decided(Self.outcome(buffer.offer(entry, dropOldestWhenFull: true, waitWhenFull: false)))
        case .wait(let deadline):
            let offer = buffer.offer(entry, dropOldestWhenFull: false, waitWhenFull: true)
            guard case .full = offer else { return .decided(Self.outcome(offer)) }
            return .waitForRoom(entry, deadline: deadline)
        }
    }

    /// Records an event that a producer made, for example a line of an import.
    ///
    /// Unlike ``seen(user:at:location:id:)`` it waits, without blocking a thread, until the
    /// buffer has room, whatever the overflow policy: for producers that can slow down.
    ///
    /// - Parameter event: The event.
    /// - Returns: Whether the event was accepted or rejected (and why).
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    @discardableResult
    public func record(_ event: SeenEvent) async throws -> SeenOutcome {
        let entry = EventBuffer.Entry(id: event.id, user: event.user, at: event.at, location: event.location)
        if let reason = event.validate(receivedAt: clock.now, rules: rules) {
            buffer.countRejected(reason.code)
            return .rejected(reason)
        }
        var delay = Duration.microseconds(50)
        while true {
            let offer = buffer.offer(entry, dropOldestWhenFull: false, waitWhenFull: true)
            guard case .full = offer else { return Self.outcome(offer) }
            try await clock.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(20))
        }
    }

    /// The counters now; `accepted == stored + duplicates + dropped + buffered` holds in every
    /// snapshot.
    public var statistics: Statistics { buffer.statistics }

    /// Offers an entry under the `wait` policy again and again, sleeping this thread briefly
    /// between tries while the buffer is full, up to the deadline; then drops the entry.
    private func waitForRoom(_ entry: EventBuffer.Entry, deadline: Duration) -> SeenOutcome {
        let giveUp = clock.uptime + deadline
        var pause: UInt32 = 20
        while true {
            let offer = buffer.offer(entry, dropOldestWhenFull: false, waitWhenFull: true)
            guard case .full = offer else { return Self.outcome(offer) }
            guard clock.uptime < giveUp else { return dropWaiting() }
            usleep(pause)
            pause = min(pause * 2, 1_000)
        }
    }

    /// The same as ``waitForRoom(_:deadline:)``, suspending the task between tries.
    private func suspendForRoom(_ entry: EventBuffer.Entry, deadline: Duration) async -> SeenOutcome {
        let giveUp = clock.uptime + deadline
        var pause = Duration.microseconds(20)
        while true {
            let offer = buffer.offer(entry, dropOldestWhenFull: false, waitWhenFull: true)
            guard case .full = offer else { return Self.outcome(offer) }
            guard clock.uptime < giveUp, (try? await clock.sleep(for: pause)) != nil else { return dropWaiting() }
            pause = min(pause * 2, .milliseconds(1))
        }
    }

    /// Counts an entry that waited for room in vain as dropped.
    private func dropWaiting() -> SeenOutcome {
        buffer.countTimedOut()
        return .dropped(.waitTimedOut)
    }

    private static func outcome(_ offer: EventBuffer.Offer) -> SeenOutcome {
        switch offer {
        case .appended:
            return .accepted
        case .dropped(let reason):
            return .dropped(reason)
        case .full:
            return .dropped(.newest)
        }
    }

    // MARK: - Flusher

    /// Writes batches until graceful shutdown, then writes what is left and returns.
    ///
    /// While the database is unreachable it keeps the batch and retries with backoff; events
    /// keep arriving in the buffer until it is full. On shutdown it goes on trying for
    /// ``Configuration/shutdownTimeout`` and counts what it could not write as dropped. When
    /// its task is cancelled (a hard stop) it returns at once, counting what it still held as
    /// dropped.
    public func run() async {
        var writer = sink
        await withGracefulShutdownHandler {
            while !Task.isCancelled {
                await buffer.waitForWork(maximumAge: configuration.maximumBatchAge, idleTimeout: .seconds(1))
                let shuttingDown = buffer.shutdownStarted != nil
                while !Task.isCancelled,
                    let batch = buffer.takeBatch(maximumAge: configuration.maximumBatchAge, force: shuttingDown)
                {
                    await write(batch, with: &writer)
                }
                metrics.publish(buffer.statistics)
                if shuttingDown && buffer.isEmpty { break }
            }
        } onGracefulShutdown: {
            self.buffer.beginShutdown()
        }
        let abandoned = buffer.dropAll()
        if abandoned > 0 {
            logger.error("the tracker was cancelled; its buffered events are counted as dropped", metadata: ["events": "\(abandoned)"])
        }
        metrics.publish(buffer.statistics)
    }

    /// Writes one batch, retrying until it is committed or shutdown gives up on it.
    private func write(_ entries: [EventBuffer.Entry], with writer: inout any EventSink) async {
        let batch = entries.map { entry in
            SeenEvent(id: entry.id, user: entry.user, at: entry.at, location: entry.location)
        }
        let started = clock.uptime
        var delay = configuration.initialRetryDelay
        var failures = 0
        while true {
            do {
                let result = try await writer.write(batch)
                let duration = clock.uptime - started
                buffer.complete(batch.count, stored: result.stored, duplicates: result.duplicates, duration: duration)
                metrics.recordBatch(size: batch.count, duration: duration)
                if failures > 0 {
                    logger.notice("event log reachable again; batch written", metadata: ["failures": "\(failures)"])
                }
                return
            } catch {
                failures += 1
                if Task.isCancelled {
                    buffer.dropInFlight(batch.count)
                    return
                }
                let message = StoreError(database: error, while: "writing events").message
                if let shutdownStarted = buffer.shutdownStarted,
                    clock.uptime >= shutdownStarted + configuration.shutdownTimeout
                {
                    logger.error(
                        "giving up on a batch at shutdown; its events are counted as dropped",
                        metadata: ["events": "\(batch.count)", "error": "\(message)"]
                    )
                    buffer.dropInFlight(batch.count)
                    return
                }
                if failures == 1 || failures.isMultiple(of: 10) {
                    logger.warning(
                        "writing events failed; retrying",
                        metadata: ["error": "\(message)", "attempt": "\(failures)", "retry_in": "\(delay)"]
                    )
                }
                try? await clock.sleep(for: delay)
                delay = min(delay * 2, configuration.maximumRetryDelay)
            }
        }
    }
}
