import ArgumentParser
import Foundation
import PresenceIngest
import PresenceModel
import PresenceSimulation
import PresenceStore

/// `presence simulate`: seeded, reproducible synthetic traffic.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Generate realistic synthetic traffic into the event log, or as JSON Lines with --output.",
        discussion: "The same --seed, --users, --days and --end give the same events on every run."
    )

    @Option(help: "How many users.")
    var users = 2_000

    @Option(help: "How many days of traffic, ending at --end.")
    var days = 3

    @Option(help: "The end of the simulated time, RFC 3339 (default: now).")
    var end: TimeArgument?

    @Option(help: "The random seed.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Write JSON Lines to this file instead of the event log.", valueName: "file"))
    var output: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard users > 0, users <= 10_000_000 else { throw ValidationError("--users must be from 1 to 10000000.") }
        guard days > 0, days <= 3_660 else { throw ValidationError("--days must be from 1 to 3660.") }
        guard let end else { return }
        // Events no other command would take: before the year 0001, or (for the log) ahead of the clock.
        guard end.time - .seconds(Int64(days) * 86_400) >= Timestamp.earliest else {
            throw ValidationError("--end less --days lies before the year 0001: choose a later --end or fewer --days.")
        }
        guard output != nil || end.time <= Timestamp.now + SeenEvent.Rules().allowedClockSkew else {
            throw ValidationError(
                "--end lies in the future, and the log takes no events from the future: choose an earlier --end, or write to a file with --output."
            )
        }
    }

    func run() async throws {
        var configuration = TrafficSimulator.Configuration(
            end: end?.time ?? .now
        )
        configuration.users = users
        configuration.days = days
        configuration.seed = seed
        let simulator = TrafficSimulator(configuration: configuration)

        if let output {
            let count = try JSONLinesWriter.write(simulator.events(), toFile: output)
            print("wrote \(count) events to \(output)")
            return
        }
        let logger = global.makeLogger()
        let settings = try await global.connectionSettings(for: .ingest, logger: logger)
        let (count, statistics) = try await TrackerSession.record(simulator.events(), settings: settings, logger: logger)
        print("simulated \(count) events of \(users) users over \(days) days: stored \(statistics.stored), duplicates \(statistics.duplicates)")
    }
}
