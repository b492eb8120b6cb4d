import ArgumentParser
import PresenceModel
import PresenceStore

/// `presence retention --keep 90d [--dry-run]`: drops the raw log's old daily partitions.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Drop the event log's daily partitions older than --keep, never one holding events not yet projected.",
        discussion: """
            A partition goes when its whole UTC day ended longer ago than --keep and the \
            projector has folded in every event it holds; last seen, sessions and activity \
            outlive the raw events. seen_events_default is never dropped. Run it as the log's \
            owner (--database-url or DATABASE_URL), for example daily.
            """
    )

    @Option(help: "How long raw events are kept: 90d, 2160h; at least 1d.")
    var keep: DurationArgument

    @Flag(help: "Only say what would be dropped.")
    var dryRun = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard keep.duration >= .seconds(86_400) else {
            throw ValidationError("--keep must be at least 1d: reports of the moment read the last minutes of the log.")
        }
    }

    func run() async throws {
        let retention = Retention(keep: keep.duration, dryRun: dryRun)
        let partitions = try await global.withMigratedClient(as: .owner) { client, logger in
            try await retention.run(client: client, logger: logger)
        }
        for line in Self.lines(partitions, keep: DurationText.format(keep.duration), dryRun: dryRun) {
            print(line)
        }
    }

    /// What the command prints: one line per partition older than `keep`, then a summary.
    static func lines(_ partitions: [Retention.Partition], keep: String, dryRun: Bool) -> [String] {
        var lines: [String] = []
        for partition in partitions {
            let size = byteText(partition.bytes)
            switch partition.outcome {
            case .dropped: lines.append("dropped \(partition.name) (\(partition.day), \(size))")
            case .wouldDrop: lines.append("would drop \(partition.name) (\(partition.day), \(size))")
            default:
                lines.append("kept \(partition.name) (\(partition.day), \(size)): it holds events the projector has not folded in yet")
            }
        }
        let gone = partitions.filter { $0.outcome == .dropped || $0.outcome == .wouldDrop }
        let kept = partitions.count - gone.count
        guard !partitions.isEmpty else {
            lines.append("no partition of the event log is older than \(keep)")
            return lines
        }
        var summary = "\(dryRun ? "would drop" : "dropped") \(gone.count) partition\(gone.count == 1 ? "" : "s") older than \(keep)"
        summary += " (\(byteText(gone.reduce(0) { $0 + $1.bytes })))"
        if kept > 0 {
            summary += "; kept \(kept) with events not yet projected: run presence project, then retention again"
        }
        lines.append(summary)
        return lines
    }

    /// A size in bytes for people: `512 B`, `8.0 KiB`, `1.2 GiB`.
    static func byteText(_ bytes: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
