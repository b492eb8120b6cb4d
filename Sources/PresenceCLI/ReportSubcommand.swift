import ArgumentParser
import Foundation
import PresenceReports

/// `presence report NAME …` for every report of ``ReportCatalog``, and the top-level queries
/// (`online`, `last-seen`, `history`): one command for any ``ReportDefinition``, which states
/// the name, the summary and the parameters.
///
/// ArgumentParser declares each option as a stored property of a type, so a report's
/// parameters, which are data, cannot become options; this command takes them as the
/// arguments it does not know (``CommandLineParameters``), checks them while parsing, as
/// ArgumentParser checks its options, and lists them in its help.
struct ReportSubcommand<R: ReportDefinition>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: R.name,
            abstract: R.summary,
            usage: CommandLineParameters.usage(of: R.parameters, command: R.name),
            discussion: CommandLineParameters.help(of: R.parameters)
        )
    }

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The report's parameters, listed above.", visibility: .hidden))
    var parameters: [String] = []

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        _ = try CommandLineParameters.arguments(parameters, for: R.parameters)
    }

    func run() async throws {
        let arguments = try CommandLineParameters.arguments(parameters, for: R.parameters)
        let report = try await global.print(output) { client, logger in
            try await R.run(arguments, client: client, logger: logger)
        }
        if let report = report as? any UserReport, report.hidden {
            // Beside the answer, not in it: the output stays what scripts read.
            FileHandle.standardError.write(
                Data("note: \(report.user) is hidden: lists shown to others leave them out (presence unhide shows them again).\n".utf8)
            )
        }
    }
}

extension ReportDefinition {
    /// This report's command.
    static var command: any ParsableCommand.Type { ReportSubcommand<Self>.self }
}
