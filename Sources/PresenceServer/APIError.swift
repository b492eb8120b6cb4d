import Hummingbird
import PresenceReports

/// An error answer of the HTTP API: a status and `{"error":"one sentence"}`.
public struct APIError: HTTPResponseError, Sendable {
    /// The status.
    public let status: HTTPResponse.Status
    /// What went wrong and what to do, in one sentence.
    public let message: String
    /// Extra headers, such as `WWW-Authenticate` on 401.
    public let headers: HTTPFields

    /// Creates an error answer.
    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    /// The answer.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: JSONText.object([("error", JSONText.string(message))]) + "\n"))
        )
    }
}
