import Hummingbird

/// A request context that knows the authenticated user, if any: with it,
/// ``PresenceMiddleware`` needs no closure.
public protocol PresenceUserContext: RequestContext {
    /// The authenticated user's id; `nil` for an anonymous request.
    var presenceUser: String? { get }
}
