/// A command that cannot do its work, said in one sentence (without the usage text that
/// ArgumentParser adds to a `ValidationError`).
struct CommandError: Error, CustomStringConvertible {
    /// What went wrong and what to do.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
