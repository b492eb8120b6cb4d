/// A report's rows as text, printable as an aligned table, CSV or Markdown.
public struct ReportTable: Sendable, Hashable {
    /// The column names.
    public var columns: [String]
    /// The rows; `nil` is an empty cell (null).
    public var rows: [[String?]]

    /// Creates a table.
    public init(columns: [String], rows: [[String?]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The text formats of a table; JSON is each report's own (see its `json`).
    public enum Format: Sendable, Hashable {
        /// An aligned table for people.
        case table
        /// CSV with a header.
        case csv
        /// A Markdown table.
        case md
    }

    /// The table in `format` (``OutputFormat/tableFormat`` gives it for an output format).
    public func render(_ format: Format) -> String {
        switch format {
        case .table: aligned()
        case .csv: csv()
        case .md: markdown()
        }
    }

    private func aligned() -> String {
        let cells = [columns] + rows.map { $0.map { Self.printable($0 ?? "") } }
        let widths = columns.indices.map { column in cells.map { $0[column].count }.max() ?? 0 }
        var lines = cells.map { row in
            zip(row, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ")
                .trimmingTrailingSpaces()
        }
        lines.insert(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "), at: 1)
        if rows.isEmpty { lines.append("(none)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private func csv() -> String {
        func field(_ value: String?) -> String {
            guard let value else { return "" }
            guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return ([columns] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    private func markdown() -> String {
        func cell(_ value: String?) -> String {
            Self.printable(value ?? "").replacingOccurrences(of: "|", with: "\\|")
        }
        var lines = ["| " + columns.map(cell).joined(separator: " | ") + " |"]
        lines.append("| " + columns.map { _ in "---" }.joined(separator: " | ") + " |")
        lines += rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text with control characters shown as escapes (``TextEscaping``), so a tab or line
    /// break in a user id cannot break a table's layout.
    static func printable(_ text: String) -> String {
        TextEscaping.escaped(text, json: false)
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
