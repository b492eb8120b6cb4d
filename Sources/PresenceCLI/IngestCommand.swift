import ArgumentParser
import Foundation
import PresenceIngest
import PresenceStore

/// `presence ingest [FILE|-]`: imports events from JSON Lines or CSV.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Import events from JSON Lines or CSV into the event log.",
        discussion: """
            JSON Lines: one object per line, {"id":…, "user":…, "at":…, "location":…}, with id and \
            location optional and at an RFC 3339 time or Unix seconds. CSV (--format csv): a header \
            naming the columns id,user,at,location. Each rejected line is reported with its number \
            and reason on standard error; the exit status is 0 only when no line was rejected. \
            Importing the same file again stores nothing new.
            """
    )

    @Argument(help: ArgumentHelp("The file to read; - or nothing for standard input.", valueName: "file"))
    var file = "-"

    @Option(help: "The input format: json (JSON Lines) or csv.")
    var format: EventImporter.Format = .jsonLines

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let input: FileHandle
        if file == "-" {
            input = .standardInput
        } else {
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw CommandError("Cannot open \(file) for reading: check that it exists and is readable.")
            }
            input = handle
        }
        defer { if file != "-" { try? input.close() } }

        let logger = global.makeLogger()
        let settings = try await global.connectionSettings(for: .ingest, logger: logger)
        var configuration = PresenceTracker.Configuration()
        configuration.maximumBatchSize = 10_000
        let importer = EventImporter(format: format)
        let (rejected, statistics) = try await TrackerSession.run(settings: settings, configuration: configuration, logger: logger) {
            tracker in
            try await importer.run(input: input, into: tracker) { rejection in
                FileHandle.standardError.write(Data("line \(rejection.line): \(rejection.reason)\n".utf8))
            }
        }
        print("ingested \(statistics.stored), duplicates \(statistics.duplicates), rejected \(rejected)")
        if statistics.droppedTotal > 0 {
            throw CommandError(
                "\(statistics.droppedTotal) events could not be written before the database stopped answering; import the file again to add them."
            )
        }
        if rejected > 0 { throw ExitCode(1) }
    }
}

extension EventImporter.Format: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument {
        case "json", "jsonl", "jsonlines": self = .jsonLines
        case "csv": self = .csv
        default: return nil
        }
    }
}
