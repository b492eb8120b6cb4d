import Foundation
import PackagePlugin

/// Embeds the package's plain SQL files into the Swift module that runs them.
///
/// `Migrations/` and `Reports/` stay the one source a person reads and edits; the build turns
/// their files into string constants, so an application that depends on Presence carries its
/// migrations and report queries inside the binary and needs neither a checkout nor a resource
/// bundle beside the executable.
@main
struct EmbedSQL: BuildToolPlugin {
    /// Which folder of the package each target embeds.
    static let folders = ["PresenceStore": "Migrations", "PresenceReports": "Reports"]

    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let folder = Self.folders[target.name] else {
            Diagnostics.error("EmbedSQL does not know which SQL folder to embed into \(target.name).")
            return []
        }
        let directory = context.package.directoryURL.appending(path: folder)
        let inputs = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "Embedded\(folder).swift")
        return [
            .buildCommand(
                displayName: "Embedding \(folder)/ into \(target.name)",
                executable: try context.tool(named: "EmbedSQLTool").url,
                arguments: [output.path(percentEncoded: false), "Embedded\(folder)"]
                    + inputs.map { $0.path(percentEncoded: false) },
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
