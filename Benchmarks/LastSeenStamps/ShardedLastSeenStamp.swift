/// The cache trick at its best against contention: the stamps in 64 dictionaries, each under
/// its own lock, chosen by the user's hash.
public final class ShardedLastSeenStamp: Sendable {
    private let shards = (0..<64).map { _ in LastSeenStamp() }

    /// An empty cache.
    public init() {}

    /// Stamps the user with now.
    public func seen(_ user: String) { shards[user.hashValue & 63].seen(user) }
}
