/// Why `presence serve` cannot start: one sentence that says what to do.
public struct ServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in one sentence.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
