import Foundation
import Logging
import PresenceStore
import PresenceTestSupport
import Synchronization
import Testing

/// The monitor beside the long-running services says why the database cannot be reached, in
/// the words a command would use, and when it answers again (issue 12).
@Suite("Watching that the database stays reachable")
struct ReachabilityMonitorTests {
    @Test("a server that goes down is named with its cause once, and its return is said")
    func downAndBack() async throws {
        try await FaultServer.with { fault, _ in
            let lines = LogLines()
            var logger = Logger(label: "presence.tests.monitor") { _ in CapturingLogHandler(lines: lines) }
            logger.logLevel = .notice
            let monitor = ReachabilityMonitor(settings: fault.settings, interval: .milliseconds(100), logger: logger)
            let watching = Task { try await monitor.run() }

            try await Task.sleep(for: .milliseconds(400))
            #expect(lines.all.isEmpty, "the monitor spoke while the server ran: \(lines.all)")
            try await fault.crash()
            let lost = try await lines.wait { $0.contains("cannot reach the database") }
            #expect(lost)
            try await Task.sleep(for: .milliseconds(400))
            try await fault.restart()
            let back = try await lines.wait { $0.contains("the database answers again") }
            #expect(back)
            watching.cancel()
            _ = try? await watching.value

            let warnings = lines.all.filter { $0.contains("cannot reach the database") }
            // Said once for as long as the cause stays the same (it changes while the server
            // stops and starts: its socket refuses, goes away, then the server starts up),
            // naming where and why.
            #expect(!warnings.isEmpty && warnings.count <= 4, "\(warnings)")
            #expect(zip(warnings, warnings.dropFirst()).allSatisfy { $0 != $1 }, "\(warnings)")
            #expect(warnings.allSatisfy { $0.contains("cause=PostgreSQL at the socket \(fault.folder)") }, "\(warnings)")
        }
    }
}

/// The messages a test's logger received, with their metadata.
private final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// Waits up to 10 seconds for a line that satisfies `matching`.
    func wait(_ matching: (String) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if all.contains(where: matching) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

/// A log handler that keeps each message in `lines`.
private struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.level) \(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
}
