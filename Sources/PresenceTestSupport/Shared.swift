import Synchronization

/// A value that tasks of a test share: read and changed under a lock.
public final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    /// Creates the box with its first value.
    public init(_ value: Value) { self.value = Mutex(value) }

    /// Runs `body` on the value under the lock.
    @discardableResult
    public func withLock<Result: Sendable>(_ body: (inout sending Value) throws -> sending Result) rethrows -> Result {
        try value.withLock(body)
    }
}
