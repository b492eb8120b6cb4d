/// A mistake in how an application set Presence up.
public enum PresenceVaporError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Presence was used before `app.presence.use(_:)`.
    case notConfigured
    /// `app.presence.use(_:)` was called a second time.
    case alreadyConfigured

    /// What happened and what to do.
    public var description: String {
        switch self {
        case .notConfigured:
            "Presence is not configured: call `try app.presence.use(settings)` in configure(_:) before using app.presence or req.presence."
        case .alreadyConfigured:
            "Presence is already configured: call `app.presence.use(_:)` once, in configure(_:)."
        }
    }
}
