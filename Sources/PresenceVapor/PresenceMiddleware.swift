import PresenceIngest
import Vapor

/// Records a seen-event for every request of an authenticated user.
///
/// Register it globally or on a route group:
///
/// ```swift
/// app.middleware.use(PresenceMiddleware(tracker: app.presence.tracker, user: User.self))
/// let forum = app.grouped(User.sessionAuthenticator(), PresenceMiddleware(tracker: app.presence.tracker, user: User.self))
/// ```
///
/// It asks who the user is once the rest of the chain has answered, so the authenticators may
/// come before or after it, globally or on a group; a request that ends in an error still
/// counts, and a request that logs its user out does not. The event goes into the tracker's
/// in-memory buffer (``PresenceTracker/seen(user:at:location:id:)``), never to the database on
/// the request path; the tracker's flusher writes it.
///
/// It is a future-based `Middleware`, not an `AsyncMiddleware`: an async middleware starts a
/// task for every request, which costs more than recording the event does. Only under the
/// ``PresenceTracker/OverflowPolicy/wait(deadline:)`` policy does it start one, to wait for
/// room without blocking the event loop.
public struct PresenceMiddleware: Middleware {
    /// What an event's location is; the route pattern is Vapor's, `/forum/:id`.
    ///
    /// Vapor 4 finds the route before it runs any middleware, the global ones too, so the
    /// pattern is known wherever this middleware is registered.
    public typealias Location = RequestLocation

    private let tracker: PresenceTracker
    private let location: Location
    private let user: @Sendable (Request) -> String?
    private let waitsForRoom: Bool

    /// Creates the middleware.
    ///
    /// - Parameters:
    ///   - tracker: The application's tracker, ``Vapor/Application/Presence/tracker``.
    ///   - location: What to record as the location. Default: the route pattern.
    ///   - user: The request's user id, or `nil` for an anonymous request (nothing is
    ///     recorded). It is asked after the rest of the chain has answered.
    public init(
        tracker: PresenceTracker,
        location: Location = .routePattern,
        user: @escaping @Sendable (Request) -> String?
    ) {
        self.tracker = tracker
        self.location = location
        self.user = user
        if case .wait = tracker.configuration.overflowPolicy {
            self.waitsForRoom = true
        } else {
            self.waitsForRoom = false
        }
    }

    /// Creates the middleware for requests whose user is logged in to `req.auth`.
    ///
    /// - Parameters:
    ///   - tracker: The application's tracker, ``Vapor/Application/Presence/tracker``.
    ///   - location: What to record as the location. Default: the route pattern.
    ///   - user: The type the authenticators log in.
    public init<User: PresenceAuthenticatable>(
        tracker: PresenceTracker,
        location: Location = .routePattern,
        user: User.Type
    ) {
        self.init(tracker: tracker, location: location) { request in request.auth.get(User.self)?.presenceUser }
    }

    /// Passes the request on, then records its user, if any.
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let response = next.respond(to: request)
        guard waitsForRoom else {
            return response.always { _ in
                if let user = user(request) {
                    tracker.seen(user: user, location: location(of: request))
                }
            }
        }
        let recorded = request.eventLoop.makePromise(of: Response.self)
        response.whenComplete { result in
            recorded.completeWithTask {
                if let user = user(request) {
                    await tracker.seen(user: user, location: location(of: request))
                }
                return try result.get()
            }
        }
        return recorded.futureResult
    }

    /// The location to record for a request.
    private func location(of request: Request) -> String? {
        switch location {
        case .routePattern: request.route.map { Self.pattern(of: $0.path) }
        case .path: request.url.path
        case .none: nil
        }
    }

    /// A route's path as Vapor writes it, `/forum/:id`, without the empty components that
    /// Vapor's router ignores too.
    static func pattern(of path: [PathComponent]) -> String {
        var pattern = ""
        for component in path {
            if case .constant(let text) = component, text.isEmpty { continue }
            pattern += "/"
            pattern += component.description
        }
        return pattern.isEmpty ? "/" : pattern
    }
}
