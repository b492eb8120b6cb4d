/// A wait that gave up: what it waited for did not happen in time.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// What was waited for.
    public var what: String

    /// `gave up waiting for …`.
    public var description: String { "gave up waiting for \(what)" }
}

/// Waits until `condition` holds, looking every `poll`.
///
/// Deadlines are generous: the machine is small and shared, and a test that waits checks
/// an outcome, not a speed.
///
/// - Parameters:
///   - what: What is waited for, for the error.
///   - timeout: How long to wait at most. Default 2 minutes.
///   - poll: How often to look. Default 20 ms.
///   - condition: Whether it has happened.
/// - Throws: ``WaitTimedOut`` after `timeout`, or what `condition` throws.
public func eventually(
    _ what: String,
    timeout: Duration = .seconds(120),
    poll: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut(what: what) }
        try await Task.sleep(for: poll)
    }
}
