import NIOCore
import PostgresNIO
import Synchronization

extension PostgresConnection {
    /// Runs `work` on this connection, and throws as soon as the connection closes.
    ///
    /// PostgresNIO 1.33 never answers a query written to a connection that has just closed (the
    /// server restarted, the session was terminated, or PostgresNIO itself closed it on a
    /// message it did not expect, as an error after `CommandComplete` when a statement timeout
    /// strikes between a statement's end and its `Sync`): such a query waits for ever, and with
    /// it the flusher or the projector. Here the wait ends with the connection instead: `work`
    /// runs in a task of its own, which is cancelled and left behind when the connection closes
    /// first (a query it still awaits then never returns, and holds nothing but memory).
    ///
    /// - Parameter work: What to do with the connection.
    /// - Returns: What `work` returns.
    /// - Throws: What `work` throws, or ``StoreError`` with code
    ///   ``StoreError/Code/databaseFailed`` when the connection closed first.
    package func failingWhenClosed<Result: Sendable>(
        _ work: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let race = ClosingRace<Result>()
        let task = Task {
            do {
                race.finish(.success(try await work(self)))
            } catch {
                race.finish(.failure(error))
            }
        }
        self.closeFuture.whenComplete { _ in
            race.finish(.failure(StoreError(.databaseFailed, "The connection to PostgreSQL closed in the middle of the work.")))
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.wait(continuation)
            }
        } onCancel: {
            task.cancel()
        }
    }
}

/// The first of two outcomes, the work's or the connection's closing, handed to one waiter.
private final class ClosingRace<Result: Sendable>: Sendable {
    private struct State {
        var outcome: Swift.Result<Result, any Error>?
        var waiter: CheckedContinuation<Result, any Error>?
        var done = false
    }

    private let state = Mutex(State())

    /// Records an outcome unless one came first, and resumes the waiter if it waits.
    func finish(_ outcome: Swift.Result<Result, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Result, any Error>? in
            guard !state.done, state.outcome == nil else { return nil }
            guard let waiter = state.waiter else {
                state.outcome = outcome
                return nil
            }
            state.waiter = nil
            state.done = true
            return waiter
        }
        waiter?.resume(with: outcome)
    }

    /// Waits for the first outcome.
    func wait(_ continuation: CheckedContinuation<Result, any Error>) {
        let outcome = state.withLock { state -> Swift.Result<Result, any Error>? in
            guard let outcome = state.outcome else {
                state.waiter = continuation
                return nil
            }
            state.done = true
            return outcome
        }
        if let outcome { continuation.resume(with: outcome) }
    }
}
