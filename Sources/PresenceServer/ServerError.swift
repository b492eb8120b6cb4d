import PresenceModel

/// Why the server cannot start.
public typealias ServerError = DomainError<ServerErrorDomain>

/// The domain of ``ServerError``.
public enum ServerErrorDomain {}

extension ErrorCode where Domain == ServerErrorDomain {
    /// Serving without tokens (``PresenceServer/Configuration/insecureLocal``) on an address
    /// other hosts can reach.
    public static var insecureOffLoopback: Self { Self("insecure_off_loopback") }
    /// No ingest token or no read token, and not ``PresenceServer/Configuration/insecureLocal``.
    public static var tokensMissing: Self { Self("tokens_missing") }
    /// A token shorter than ``PresenceServer/Configuration/minimumTokenLength``.
    public static var tokenTooShort: Self { Self("token_too_short") }
    /// The ingest token and the read token are the same.
    public static var tokensEqual: Self { Self("tokens_equal") }
}
