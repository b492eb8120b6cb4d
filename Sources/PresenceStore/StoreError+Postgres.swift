import PostgresNIO
import PresenceModel

extension StoreError {
    /// Turns an error from PostgresNIO into one sentence a person can act on.
    ///
    /// PostgresNIO's own descriptions hide the server's message (so that they cannot leak
    /// data into logs); here the server's message, detail and hint are what the user needs.
    ///
    /// - Parameters:
    ///   - error: The error PostgresNIO threw.
    ///   - action: What was being done, for example "applying migration 0002_sessions.sql".
    public init(database error: any Error, while action: String, code: Code = .databaseFailed) {
        if let storeError = error as? StoreError {
            self = storeError
            return
        }
        var explanation = Self.explain(error)
        while explanation.hasSuffix(".") { explanation.removeLast() }
        self.init(code, "PostgreSQL failed while \(action): \(explanation).")
    }

    /// The server's message for an error, or a description of a connection failure.
    static func explain(_ error: any Error) -> String {
        if let transactionError = error as? PostgresTransactionError {
            if let inner = transactionError.closureError ?? transactionError.commitError ?? transactionError.beginError {
                return explain(inner)
            }
        }
        guard let psqlError = error as? PSQLError else {
            return String(describing: error)
        }
        if let server = psqlError.serverInfo, let message = server[.message] {
            var text = message
            if let detail = server[.detail] { text += " (\(detail))" }
            if let hint = server[.hint] { text += "; hint: \(hint)" }
            if let context = server[.locationContext] { text += "; context: \(context.lastLines(2))" }
            return text
        }
        switch psqlError.code {
        case .connectionError:
            let reason = psqlError.underlying.map { String(describing: $0) } ?? "no reason given"
            return "cannot connect to the server (\(reason)); check that it runs and that the database URL is right"
        case .serverClosedConnection, .clientClosedConnection:
            return "the connection closed unexpectedly"
        default:
            return "\(psqlError.code)"
        }
    }
}
