extension String {
    /// The last `count` non-empty lines, joined by spaces: the tail of a program's output or
    /// of a server's error context.
    package func lastLines(_ count: Int) -> String {
        split(whereSeparator: \.isNewline).suffix(count).joined(separator: " ")
    }
}
