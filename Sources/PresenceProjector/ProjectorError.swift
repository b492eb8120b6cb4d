import PresenceModel

/// Why the projector cannot do its work now.
public typealias ProjectorError = DomainError<ProjectorErrorDomain>

/// The domain of ``ProjectorError``.
public enum ProjectorErrorDomain {}

extension ErrorCode where Domain == ProjectorErrorDomain {
    /// Another projector (or rebuild) already works on the database, and the projector was
    /// told not to wait for it (``Projector/Configuration/waitForOtherProjector``).
    public static var busy: Self { Self("projector_busy") }
}
