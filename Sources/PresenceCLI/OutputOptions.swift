import ArgumentParser
import PresenceReports

/// `--format` for the commands that print data.
struct OutputOptions: ParsableArguments {
    @Option(help: "How to print: table, csv, json or md.")
    var format: OutputFormat = .table

    /// Prints a report's JSON, or its table in the chosen format.
    func print(json: String, table: ReportTable) {
        Swift.print(format == .json ? json : table.render(format), terminator: format == .json ? "\n" : "")
    }
}

extension OutputFormat: ExpressibleByArgument {}
