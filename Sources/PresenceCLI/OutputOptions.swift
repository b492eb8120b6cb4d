import ArgumentParser
import PresenceReports

/// `--format` for the commands that print data.
struct OutputOptions: ParsableArguments {
    @Option(help: "How to print: table, csv, json or md.")
    var format: OutputFormat = .table

    /// Prints a report's JSON, or its table in the chosen format.
    func print(json: String, table: ReportTable) {
        if let tableFormat = format.tableFormat {
            Swift.print(table.render(tableFormat), terminator: "")
        } else {
            Swift.print(json)
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}
