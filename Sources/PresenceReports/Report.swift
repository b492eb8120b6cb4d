/// A report's answer, as every front end prints it: DESIGN.md's JSON shape, or a table (for
/// the command line's table, CSV and Markdown).
public protocol Report: Sendable {
    /// The answer in DESIGN.md's JSON shape.
    var json: String { get }
    /// The answer as rows of text.
    var table: ReportTable { get }
}
