import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The process's resident memory, as Linux reports it in `/proc/self/statm`.
///
/// The whole test process shares it: tests running beside the one measuring add to it, so
/// checks against it must be generous, and the figures printed are upper bounds.
enum ResidentMemory {
    /// Whether the figure can be read here (Linux).
    static let isAvailable = FileManager.default.fileExists(atPath: "/proc/self/statm")

    /// Resident bytes now; 0 where unknown.
    static func bytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Runs `body` while a thread of its own reads the resident memory every 10 ms.
    ///
    /// - Returns: What `body` returned, the resident bytes just before it, and the most seen while it ran.
    static func peak<Result>(
        during body: () async throws -> Result
    ) async rethrows -> (result: Result, before: Int, peak: Int) {
        trimHeap()
        let before = bytes()
        let sampler = Sampler(before)
        let thread = Thread { sampler.run() }
        thread.start()
        defer { sampler.stop() }
        let result = try await body()
        sampler.stop()
        return (result, before, max(sampler.peak, bytes()))
    }

    /// Gives the memory that earlier tests freed back to the system (glibc's `malloc_trim`,
    /// where there is one), so that what a test adds shows as growth instead of reusing it.
    static func trimHeap() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(nil, "malloc_trim") { _ = unsafeBitCast(symbol, to: Trim.self)(0) }
        #endif
    }

    /// Megabytes (MiB) with one decimal, for the figures the tests print.
    static func mebibytes(_ bytes: Int) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

    private final class Sampler: Sendable {
        private let state: Mutex<(peak: Int, stopped: Bool)>

        init(_ start: Int) { state = Mutex((start, false)) }

        var peak: Int { state.withLock { $0.peak } }

        func stop() { state.withLock { $0.stopped = true } }

        func run() {
            while true {
                let now = ResidentMemory.bytes()
                let stopped = state.withLock { state in
                    state.peak = max(state.peak, now)
                    return state.stopped
                }
                if stopped { return }
                usleep(10_000)
            }
        }
    }
}
