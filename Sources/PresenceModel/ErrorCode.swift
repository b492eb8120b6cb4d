/// An error of a Presence library: a stable ``code`` to match on and one sentence in the
/// library's own words.
///
/// The sentence names no flag or parameter of a front end: the command line and the HTTP API
/// word the errors they know for their own users. `Domain` is an empty type that stands for
/// the library part (`StoreError` is `DomainError<StoreErrorDomain>`), so that the errors and
/// codes of one part never mix with another's.
public struct DomainError<Domain>: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure of the domain.
    public typealias Code = ErrorCode<Domain>

    /// The kind of failure. New codes may be added; do not switch over them exhaustively.
    public let code: Code
    /// What went wrong and what to do, in one sentence.
    public let message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What went wrong and what to do, in one sentence.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// A stable name for a kind of failure, such as `empty_range`: what code matches on, while the
/// error's sentence is for people. Each domain lists its codes in an extension of
/// `ErrorCode where Domain == …`.
public struct ErrorCode<Domain>: Sendable, Hashable, CustomStringConvertible {
    /// The stable name, in snake case.
    public let description: String

    /// Creates a code.
    public init(_ description: String) {
        self.description = description
    }
}
