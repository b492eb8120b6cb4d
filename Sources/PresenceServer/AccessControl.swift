import Crypto
import Foundation
import Hummingbird

/// Who may do what: a request writes with the ingest token and reads with the read token,
/// sent as `Authorization: Bearer TOKEN` (or, so that a browser can open the dashboard, as the
/// password of HTTP Basic authentication).
///
/// Tokens are kept as SHA-256 digests and compared digest to digest, which swift-crypto does
/// in constant time, so neither the comparison's time nor a token's length gives a token away.
/// Tokens are never logged.
struct AccessControl: Sendable {
    /// What a request wants to do.
    enum Role: Sendable {
        case ingest
        case read

        var verb: String { self == .ingest ? "write events or hide users" : "read" }
    }

    private let ingest: SHA256.Digest?
    private let read: SHA256.Digest?
    /// Whether every request is let in (`--insecure-local`).
    let open: Bool

    init(ingestToken: String?, readToken: String?, open: Bool) {
        ingest = ingestToken.map { SHA256.hash(data: Data($0.utf8)) }
        read = readToken.map { SHA256.hash(data: Data($0.utf8)) }
        self.open = open
    }

    /// Fails unless the request carries the token of `role`.
    ///
    /// - Throws: ``APIError`` 401 without a valid token (with a challenge: Basic for a
    ///   browser page, else Bearer), 403 with the other role's token.
    func check(_ request: Request, role: Role, browser: Bool) throws(APIError) {
        if open { return }
        let challenge: HTTPFields = [.wwwAuthenticate: browser ? "Basic realm=\"Presence\", charset=\"UTF-8\"" : "Bearer realm=\"Presence\""]
        guard let header = request.headers[.authorization] else {
            throw APIError(
                .unauthorized,
                "This needs a token: send 'Authorization: Bearer TOKEN' with the \(role == .ingest ? "ingest" : "read") token.",
                headers: challenge
            )
        }
        guard let token = Self.token(in: header) else {
            throw APIError(.unauthorized, "The Authorization header must be 'Bearer TOKEN'.", headers: challenge)
        }
        let digest = SHA256.hash(data: Data(token.utf8))
        let (wanted, other) = role == .ingest ? (ingest, read) : (read, ingest)
        if let wanted, digest == wanted { return }
        if let other, digest == other {
            throw APIError(.forbidden, "This token may not \(role.verb); use the \(role == .ingest ? "ingest" : "read") token.")
        }
        throw APIError(.unauthorized, "The token is not valid.", headers: challenge)
    }

    /// The token of a `Bearer TOKEN` header, or the password of a `Basic` one.
    static func token(in header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let credentials = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "bearer":
            return credentials.isEmpty ? nil : credentials
        case "basic":
            guard let data = Data(base64Encoded: credentials), let text = String(data: data, encoding: .utf8),
                let colon = text.firstIndex(of: ":")
            else { return nil }
            let password = text[text.index(after: colon)...]
            return password.isEmpty ? nil : String(password)
        default:
            return nil
        }
    }
}

/// Lets a request through only with the token of its role.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: AccessControl
    let role: AccessControl.Role
    /// Whether the routes are pages a browser opens, which answer 401 with a Basic challenge.
    var browser = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try access.check(request, role: role, browser: browser)
        return try await next(request, context)
    }
}
