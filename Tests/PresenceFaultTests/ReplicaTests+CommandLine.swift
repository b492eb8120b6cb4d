import Foundation
import PresenceModel
import PresenceTestSupport
import Testing

extension FaultTests.ReplicaTests {
    /// Runs the built `presence` with `arguments`, its reads going to `readURL` through
    /// `PRESENCE_READ_DATABASE_URL` (no other database URL set), and returns what it printed.
    static func presence(_ arguments: [String], readURL: String, outputFile: String) async throws -> String {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasSuffix("DATABASE_URL") }
        environment["PRESENCE_READ_DATABASE_URL"] = readURL
        let process = try ChildProcess(arguments, outputFile: outputFile, environment: environment)
        let ending = await process.ending()
        #expect(ending == .exited(0), "presence \(arguments.joined(separator: " ")) \(ending): \(process.output)")
        return process.output
    }

    /// The read commands of the command line, with the scenario's range, moments and users.
    static func readCommands(_ scenario: ReplicaScenario) -> [[String]] {
        let range = ["--from", scenario.from.rfc3339, "--to", scenario.to.rfc3339]
        let now = scenario.now.rfc3339
        let middle = scenario.middle.at.rfc3339
        var commands: [[String]] = [
            ["online", "--at", scenario.latest.at.rfc3339, "--format", "json"],
            ["online", "--at", middle, "--threshold", "10m", "--format", "csv"],
            ["report", "activity"] + range + ["--bucket", "day", "--tz", "Europe/Berlin", "--format", "json"],
            ["report", "sessions"] + range + ["--format", "json"],
            ["report", "sessions"] + range + ["--gap", "10m", "--format", "md"],
            ["report", "active-users"] + range + ["--tz", "America/New_York", "--format", "json"],
            ["report", "hour-by-weekday"] + range + ["--tz", "Asia/Kolkata", "--format", "csv"],
        ]
        for user in scenario.users.dropLast() {
            commands += [
                ["last-seen", user, "--as-of", now, "--format", "json"],
                ["last-seen", user, "--as-of", middle, "--format", "table"],
                ["history", user, "--format", "json"],
            ]
        }
        return commands
    }

    @Test("the presence command reads a hot standby through PRESENCE_READ_DATABASE_URL as it reads the primary, report all too")
    func commandLineOnStandby() async {
        let seed = FaultSeed(default: 13)
        await seed.replaying {
            try await ReplicaPair.with { pair in
                let scenario = ReplicaScenario(seed: seed, users: 300, days: 2)
                try await pair.write(scenario.events)
                try await pair.projectAll()
                try await pair.settle()
                let folder = pair.primary.folder
                for (index, arguments) in Self.readCommands(scenario).enumerated() {
                    let fromStandby = try await Self.presence(arguments, readURL: pair.standby.url, outputFile: "\(folder)/standby-\(index).out")
                    let fromPrimary = try await Self.presence(arguments, readURL: pair.primary.url, outputFile: "\(folder)/primary-\(index).out")
                    #expect(!fromStandby.isEmpty)
                    #expect(
                        fromStandby == fromPrimary,
                        "presence \(arguments.joined(separator: " ")): the standby answers otherwise than the primary"
                    )
                }

                let all = [
                    "report", "all", "--from", scenario.from.rfc3339, "--to", scenario.to.rfc3339, "--tz", "Europe/Berlin",
                    "--at", scenario.latest.at.rfc3339, "--out",
                ]
                _ = try await Self.presence(all + ["\(folder)/all-standby"], readURL: pair.standby.url, outputFile: "\(folder)/all-standby.out")
                _ = try await Self.presence(all + ["\(folder)/all-primary"], readURL: pair.primary.url, outputFile: "\(folder)/all-primary.out")
                let files = try FileManager.default.contentsOfDirectory(atPath: "\(folder)/all-primary").sorted()
                #expect(files.count == 19 && files.contains("index.html"), "report all wrote \(files)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: "\(folder)/all-standby").sorted() == files)
                for file in files {
                    let fromStandby = try String(contentsOfFile: "\(folder)/all-standby/\(file)", encoding: .utf8)
                    let fromPrimary = try String(contentsOfFile: "\(folder)/all-primary/\(file)", encoding: .utf8)
                    #expect(
                        Self.comparable(file, fromStandby) == Self.comparable(file, fromPrimary),
                        "report all's \(file): the standby answers otherwise than the primary"
                    )
                }
            }
        }
    }
}
