import ArgumentParser
import PresenceReports

/// `--format` for the commands that print data.
struct OutputOptions: ParsableArguments {
    @Option(help: "How to print: table, csv, json or md.")
    var format: OutputFormat = .table

    /// Prints a report's JSON, or its table in the chosen format.
    func print(_ report: some Report) {
        if let tableFormat = format.tableFormat {
            Swift.print(report.table.render(tableFormat), terminator: "")
        } else {
            Swift.print(report.json)
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}
