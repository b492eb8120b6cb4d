import Synchronization

/// A counting semaphore for tasks: at most a given number of holders at once, the others
/// wait their turn in order. Written here because neither the standard library nor the
/// packages this project builds on offer one for Swift concurrency.
final class DatabaseSlots: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    /// Creates slots for `limit` holders at once.
    init(_ limit: Int) {
        state = Mutex(State(free: limit))
    }

    /// Runs `body` once a slot is free, and frees the slot afterwards.
    func run<Result>(_ body: () async throws -> Result) async rethrows -> Result {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                guard state.free > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if now { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
