import Foundation
import PresenceStore
import PresenceTestSupport
import Testing

/// The monitor beside the long-running services says why the database cannot be reached, in
/// the words a command would use, and when it answers again (issue 12).
@Suite("Watching that the database stays reachable")
struct ReachabilityMonitorTests {
    @Test("a server that goes down is named with its cause once, and its return is said")
    func downAndBack() async throws {
        try await FaultServer.with { fault, _ in
            let lines = LogLines()
            let logger = lines.logger(label: "presence.tests.monitor", level: .notice)
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
