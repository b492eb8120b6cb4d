import ArgumentParser
import PresenceStore
import Testing

@testable import PresenceCLI

/// `presence retention --keep 90d [--dry-run]`.
@Suite("presence retention", .sharedDatabase)
struct RetentionCommandTests {
    static let partitions = [
        Retention.Partition(name: "seen_events_20260101", day: "2026-01-01", bytes: 8_519_680, outcome: .dropped),
        Retention.Partition(name: "seen_events_20260102", day: "2026-01-02", bytes: 49_152, outcome: .unprojected),
        Retention.Partition(name: "seen_events_20260103", day: "2026-01-03", bytes: 512, outcome: .dropped),
    ]

    @Test("it prints each partition older than --keep, what happened to it, and a summary")
    func lines() {
        #expect(
            RetentionCommand.lines(Self.partitions, keep: "90d", dryRun: false) == [
                "dropped seen_events_20260101 (2026-01-01, 8.1 MiB)",
                "kept seen_events_20260102 (2026-01-02, 48.0 KiB): it holds events the projector has not folded in yet",
                "dropped seen_events_20260103 (2026-01-03, 512 B)",
                "dropped 2 partitions older than 90d (8.1 MiB); kept 1 with events not yet projected: run presence project, then retention again",
            ]
        )
        let dry = Self.partitions.prefix(1).map {
            var partition = $0
            partition.outcome = .wouldDrop
            return partition
        }
        #expect(
            RetentionCommand.lines(dry, keep: "90d", dryRun: true) == [
                "would drop seen_events_20260101 (2026-01-01, 8.1 MiB)",
                "would drop 1 partition older than 90d (8.1 MiB)",
            ]
        )
        #expect(RetentionCommand.lines([], keep: "30d", dryRun: false) == ["no partition of the event log is older than 30d"])
    }

    @Test("it runs against a database, dry or not")
    func runs() async throws {
        let url = try #require(SharedDatabase.url)
        #expect(await CommandLine.runFailure(["retention", "--keep", "90d", "--dry-run", "--database-url", url]) == nil)
        #expect(await CommandLine.runFailure(["retention", "--keep", "90d", "--database-url", url]) == nil)
    }

    @Test("--keep under a day, or missing, is refused before anything runs")
    func refused() {
        let short = CommandLine.parseFailure(["retention", "--keep", "12h"])
        #expect(short?.message == "--keep must be at least 1d: reports of the moment read the last minutes of the log.")
        #expect(short?.exitCode == ExitCode.validationFailure.rawValue)
        #expect(CommandLine.parseFailure(["retention"]) != nil)
        let forget = CommandLine.parseFailure(["project", "--forget-dropped-days"])
        #expect(forget?.message == "--forget-dropped-days goes with --rebuild.")
    }
}
