import Hummingbird
import PresenceIngest

/// Records a seen-event for every request whose context carries an authenticated user.
///
/// Add it to a router after the middleware that authenticates, so that the user is known:
///
/// ```swift
/// router.add(middleware: SessionAuthenticator(…))
/// router.add(middleware: PresenceMiddleware(tracker: tracker) { _, context in context.identity?.id })
/// ```
///
/// The event goes into the tracker's in-memory buffer (``PresenceTracker/seen(user:at:location:id:)``),
/// never to the database on the request path; the tracker's flusher writes it.
public struct PresenceMiddleware<Context: RequestContext>: RouterMiddleware {
    /// What an event's location is; the route pattern is Hummingbird's, `/forum/{id}`.
    public typealias Location = RequestLocation

    private let tracker: PresenceTracker
    private let location: Location
    private let user: @Sendable (Request, Context) -> String?

    /// Creates the middleware.
    ///
    /// - Parameters:
    ///   - tracker: The process's tracker.
    ///   - location: What to record as the location. Default: the route pattern.
    ///   - user: The authenticated user's id, or `nil` for an anonymous request (nothing is
    ///     recorded).
    public init(
        tracker: PresenceTracker,
        location: Location = .routePattern,
        user: @escaping @Sendable (Request, Context) -> String?
    ) {
        self.tracker = tracker
        self.location = location
        self.user = user
    }

    /// Records the request's user, if any, then passes the request on.
    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let user = user(request, context) {
            let location: String? =
                switch location {
                case .routePattern: context.endpointPath
                case .path: request.uri.path
                case .none: nil
                }
            await tracker.seen(user: user, location: location)
        }
        return try await next(request, context)
    }
}

extension PresenceMiddleware where Context: PresenceUserContext {
    /// Creates the middleware for a context that says who the user is.
    ///
    /// - Parameters:
    ///   - tracker: The process's tracker.
    ///   - location: What to record as the location. Default: the route pattern.
    public init(tracker: PresenceTracker, location: Location = .routePattern) {
        self.init(tracker: tracker, location: location) { _, context in context.presenceUser }
    }
}
