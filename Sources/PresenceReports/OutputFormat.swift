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
