import Logging
import Synchronization

/// The messages a test's logger received, with their metadata: give a component
/// ``logger(label:level:)`` and look at what it said.
public final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])

    /// An empty record.
    public init() {}

    /// Every line so far: the level, the message, then the metadata as `key=value`.
    public var all: [String] { lines.withLock { $0 } }

    /// A logger whose messages at `level` and above land here.
    public func logger(label: String, level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { _ in CapturingLogHandler(lines: self) }
        logger.logLevel = level
        return logger
    }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// Waits up to 10 seconds for a line that satisfies `matching`.
    public func wait(_ matching: (String) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if all.contains(where: matching) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

/// A log handler that keeps each message in its ``LogLines``.
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
