import PresenceModel

/// What happened to one event offered to ``PresenceTracker``.
public enum SeenOutcome: Sendable, Hashable {
    /// The event is in the buffer and will be written.
    case accepted
    /// The event breaks DESIGN.md's rules and was not taken.
    case rejected(RejectionReason)
    /// The event was valid but the buffer was full; it was counted and dropped.
    case dropped(PresenceTracker.DropReason)
}
