import PresenceModel

/// A retention that may not run as asked.
public typealias RetentionError = DomainError<RetentionErrorDomain>

/// The domain of ``RetentionError``.
public enum RetentionErrorDomain {}

extension ErrorCode where Domain == RetentionErrorDomain {
    /// A retention period shorter than the one day of raw events that is always kept.
    public static var periodTooShort: Self { Self("retention_too_short") }
}
