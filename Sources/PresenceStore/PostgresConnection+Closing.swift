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
    /// Each connection is watched by one callback on its `closeFuture`, registered the first
    /// time (NIO cannot take a callback back, and a pooled connection lives for many calls).
    ///
    /// - Parameter work: What to do with the connection.
    /// - Returns: What `work` returns.
    /// - Throws: What `work` throws, or ``StoreError`` with code
    ///   ``StoreError/Code/databaseFailed`` when the connection closed first.
    package func failingWhenClosed<Result: Sendable>(
        _ work: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let closed = StoreError(.databaseFailed, "The connection to PostgreSQL closed in the middle of the work.")
        let race = ClosingRace<Result>()
        let watch = ConnectionWatch.of(self)
        guard watch.begin({ race.finish(.failure(closed)) }) else { throw closed }
        defer { watch.end() }
        let task = Task {
            do {
                race.finish(.success(try await work(self)))
            } catch {
                race.finish(.failure(error))
            }
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

/// The one watcher of a connection's closing: it tells the work running on the connection
/// now, if any, that the connection closed.
private final class ConnectionWatch: Sendable {
    private struct State {
        var closed = false
        var onClose: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())
    /// The watches of the connections that have not closed yet.
    private static let open = Mutex<[ObjectIdentifier: ConnectionWatch]>([:])

    /// The watch of a connection, made (and its one callback registered) on first use.
    static func of(_ connection: PostgresConnection) -> ConnectionWatch {
        let key = ObjectIdentifier(connection)
        let (watch, isNew) = open.withLock { open -> (ConnectionWatch, Bool) in
            // A closed watch under this key belonged to a connection that is gone and whose
            // address a new one now has: start afresh.
            if let watch = open[key], !watch.isClosed { return (watch, false) }
            let watch = ConnectionWatch()
            open[key] = watch
            return (watch, true)
        }
        if isNew {
            connection.closeFuture.whenComplete { _ in
                open.withLock { open in
                    if open[key] === watch { open.removeValue(forKey: key) }
                }
                watch.close()
            }
        }
        return watch
    }

    /// Whether the connection has closed.
    var isClosed: Bool {
        state.withLock { $0.closed }
    }

    /// Starts watching for `onClose`; `false` when the connection has closed already.
    func begin(_ onClose: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.onClose = onClose
            return true
        }
    }

    /// Stops watching for the current work.
    func end() {
        state.withLock { $0.onClose = nil }
    }

    private func close() {
        let onClose = state.withLock { state -> (@Sendable () -> Void)? in
            state.closed = true
            defer { state.onClose = nil }
            return state.onClose
        }
        onClose?()
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
