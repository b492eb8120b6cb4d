import Foundation
import Synchronization

/// The cache trick Presence replaces: a last-seen stamp per user in one dictionary under one
/// lock.
public final class LastSeenStamp: Sendable {
    private let stamps = Mutex<[String: Date]>([:])

    /// An empty cache.
    public init() {}

    /// Stamps the user with now.
    public func seen(_ user: String) { stamps.withLock { $0[user] = Date() } }
}
