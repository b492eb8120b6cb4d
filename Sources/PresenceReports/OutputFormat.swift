/// How a report is printed (DESIGN.md, "Command line").
public enum OutputFormat: String, Sendable, CaseIterable {
    /// An aligned table for people.
    case table
    /// CSV with a header.
    case csv
    /// JSON in the shapes DESIGN.md gives.
    case json
    /// A Markdown table.
    case md
}

extension OutputFormat {
    /// The format a ``ReportTable`` renders itself in; `nil` for JSON, which each report
    /// renders in its own shape (its `json`).
    public var tableFormat: ReportTable.Format? {
        switch self {
        case .table: .table
        case .csv: .csv
        case .md: .md
        case .json: nil
        }
    }
}
