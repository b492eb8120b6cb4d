import Foundation
import PackagePlugin

/// Embeds the package's plain SQL files into the Swift module that runs them.
///
/// `Migrations/`, `Migrations/Functions/` and `Reports/` stay the one source a person reads and
/// edits; the build turns
/// their files into string constants, so an application that depends on Presence carries its
/// migrations and report queries inside the binary and needs neither a checkout nor a resource
/// bundle beside the executable.
@main
struct EmbedSQL: BuildToolPlugin {
    /// Which folders of the package each target embeds, and the type each one becomes.
    static let folders = [
        "PresenceStore": [(folder: "Migrations", type: "EmbeddedMigrations"), (folder: "Migrations/Functions", type: "EmbeddedFunctions")],
        "PresenceReports": [(folder: "Reports", type: "EmbeddedReports")],
    ]

    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let folders = Self.folders[target.name] else {
            Diagnostics.error("EmbedSQL does not know which SQL folder to embed into \(target.name).")
            return []
        }
        return try folders.map { folder, type in
            let directory = context.package.directoryURL.appending(path: folder)
            let inputs = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "sql" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            let output = context.pluginWorkDirectoryURL.appending(path: "\(type).swift")
            return .buildCommand(
                displayName: "Embedding \(folder)/ into \(target.name)",
                executable: try context.tool(named: "EmbedSQLTool").url,
                arguments: [output.path(percentEncoded: false), type] + inputs.map { $0.path(percentEncoded: false) },
                inputFiles: inputs,
                outputFiles: [output]
            )
        }
    }
}
