import Hummingbird
import PresenceReports
import PresenceStore

/// Turns every error of a request into an ``APIError``: a report's bad input into 400 (404
/// for an unknown user), an oversized body into 413, an unreachable or failing database into
/// 503, anything else into 500 with the details in the log only.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as ReportError {
            throw APIError(error.code == .unknownUser ? .notFound : .badRequest, Self.words(for: error))
        } catch let error as HTTPError {
            throw APIError(error.status, error.body ?? "\(error.status.reasonPhrase).")
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "The body is too large; send fewer events per request.")
        } catch let error as StoreError {
            context.logger.error("database failed", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "The database cannot answer now; try again later.")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError(.internalServerError, "The server failed to answer; its log says why.")
        }
    }

    /// The API's words for a report's error whose remedy is a parameter the client sends.
    static func words(for error: ReportError) -> String {
        error.code == .emptyRange ? "The range is empty: from must be before to." : error.message
    }
}
