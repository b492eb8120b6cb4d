import PresenceProjector
import PresenceReports
import PresenceServer
import PresenceStore

/// A command that cannot do its work, said in one sentence (without the usage text that
/// ArgumentParser adds to a `ValidationError`).
struct CommandError: Error, CustomStringConvertible {
    /// What went wrong and what to do.
    let description: String

    init(_ description: String) {
        self.description = description
    }

    /// The command line's words for a library error whose remedy is something its user types
    /// (a flag); `nil` for an error whose own sentence serves.
    init?(wording error: any Error) {
        switch error {
        case let error as ReportError where error.code == .emptyRange:
            self.init("The range is empty: --from must be before --to.")
        case let error as RetentionError where error.code == .periodTooShort:
            self.init("\(error.message) Choose --keep 1d or more.")
        case let error as ProjectorError where error.code == .busy:
            self.init("\(error.message) Pass --wait to wait for it.")
        case let error as ServerError where error.code == .tokensMissing:
            self.init(
                "presence serve needs an ingest token and a read token: set PRESENCE_INGEST_TOKEN and PRESENCE_READ_TOKEN, or pass --insecure-local to serve on loopback without tokens."
            )
        case let error as ServerError where error.code == .insecureOffLoopback:
            self.init("--insecure-local: \(error.message)")
        default:
            return nil
        }
    }
}
