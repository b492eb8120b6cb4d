/// How far a rebuild has come (``Projector/rebuild(forgettingDroppedDays:progress:)``), after
/// each batch folded into the rebuilt projections.
public struct RebuildProgress: Sendable, Hashable {
    /// Events folded into the rebuilt projections so far, those of an earlier, interrupted
    /// run of the same rebuild included.
    public var folded: Int
    /// About how many events the log holds: the live projections' count. Zero when unknown.
    public var estimatedTotal: Int
    /// Events folded per second by this run.
    public var eventsPerSecond: Double
    /// Whether this run went on with a rebuild an earlier run had begun.
    public var resumed: Bool

    /// The share done, from 0 to 1; `nil` when the total is unknown. Never 1 before the end:
    /// events written meanwhile make the log longer than its estimate.
    public var fractionDone: Double? {
        guard estimatedTotal > 0 else { return nil }
        return min(0.999, Double(folded) / Double(estimatedTotal))
    }

    /// About how long the rest takes at this run's rate; `nil` when it cannot be told.
    public var estimatedRemaining: Duration? {
        guard estimatedTotal > 0, eventsPerSecond > 0 else { return nil }
        return .seconds(Double(max(0, estimatedTotal - folded)) / eventsPerSecond)
    }
}
