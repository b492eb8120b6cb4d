import PresenceModel

/// The time a ``PresenceTracker`` reads and waits on.
///
/// By default the system's (``SystemTrackerClock``). A test gives the tracker its own, to let
/// the retries' backoff and the shutdown timeout pass without waiting them out.
public protocol TrackerClock: Sendable {
    /// The wall-clock time now: an event's time when `seen()` is given none, and the moment
    /// its clock skew is measured from.
    var now: Timestamp { get }

    /// A monotonic reading: the time since some fixed moment. Batch ages, the retries'
    /// backoff and the shutdown timeout are measured on it.
    var uptime: Duration { get }

    /// Suspends the task for a span of ``uptime``.
    ///
    /// - Throws: `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The system's clocks: the wall clock and `ContinuousClock`.
public struct SystemTrackerClock: TrackerClock {
    private let start = ContinuousClock.now

    /// Creates the clock.
    public init() {}

    /// The wall-clock time now.
    public var now: Timestamp {
        .now
    }

    /// The time since the clock was made, on `ContinuousClock`.
    public var uptime: Duration {
        ContinuousClock.now - start
    }

    /// Sleeps on `ContinuousClock`.
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
