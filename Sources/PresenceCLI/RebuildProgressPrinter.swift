import Foundation
import PresenceProjector
import Synchronization

/// Shows a rebuild's progress on standard error: the share done, events per second and an
/// estimate of the time left. On a terminal one line is redrawn at most five times a second;
/// into a file or a pipe a line is written every ten seconds.
final class RebuildProgressPrinter: Sendable {
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lastShown = Mutex<ContinuousClock.Instant?>(nil)

    /// Shows `progress` unless a line was shown a moment ago.
    func show(_ progress: RebuildProgress) {
        let now = ContinuousClock.now
        let due = lastShown.withLock { last in
            guard last.map({ now - $0 >= (terminal ? .milliseconds(200) : .seconds(10)) }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        var line = "rebuilding: \(progress.folded.formatted()) events"
        if let fraction = progress.fractionDone {
            line += String(format: " (%.1f%% of about %@)", fraction * 100, progress.estimatedTotal.formatted())
        }
        line += ", \(Int(progress.eventsPerSecond).formatted()) events/s"
        if let remaining = progress.estimatedRemaining {
            line += ", about \(Int((remaining / .seconds(1)).rounded(.up)).formatted()) s left"
        }
        if progress.resumed { line += ", going on with the rebuild begun earlier" }
        FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    /// Ends the redrawn line on a terminal.
    func finish() {
        if terminal, lastShown.withLock({ $0 != nil }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
