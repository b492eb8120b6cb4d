import ArgumentParser
import Foundation
import PresenceStore

/// `presence migrate`: applies the migrations the database lacks.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the migrations that are missing; safe to run again and from several processes at once."
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.makeLogger()
        let settings = try await global.connectionSettings(for: .owner, logger: logger)
        let report = try await settings.withClient(logger: logger) { client in
            try await Migrator(client: client).migrate(logger: logger)
        }
        let version = report.version.map { String(format: "%04d", $0) } ?? "none"
        if report.applied.isEmpty, report.functions.isEmpty {
            print("\(settings.database) is up to date (schema version \(version))")
        } else if !report.applied.isEmpty {
            let names = report.applied.map(\.name).joined(separator: ", ")
            print("applied \(report.applied.count) migration(s) to \(settings.database): \(names) (schema version \(version))")
        }
        if !report.functions.isEmpty {
            let names = report.functions.map(\.name).joined(separator: ", ")
            print("applied \(report.functions.count) changed function file(s) to \(settings.database): \(names)")
        }
        if !report.missingRoles.isEmpty {
            let roles = report.missingRoles.joined(separator: ", ")
            let statements = report.missingRoles.map { "CREATE ROLE \($0) NOLOGIN;" }.joined(separator: " ")
            FileHandle.standardError.write(
                Data(
                    "note: the roles \(roles) do not exist and \(settings.username) may not create them: a DBA runs '\(statements)', then presence migrate grants them.\n"
                        .utf8
                )
            )
        }
    }
}
