/// What a web framework's middleware (PresenceHummingbird's, PresenceVapor's) records as the
/// location of a request's seen-event.
public enum RequestLocation: Sendable, Hashable {
    /// The matched route's pattern in the framework's notation, for example `/forum/{id}`
    /// (Hummingbird) or `/forum/:id` (Vapor): few distinct values, no personal data from the
    /// path. A request that matched no route has no location.
    case routePattern
    /// The concrete path, for example `/forum/42`, without the query.
    case path
    /// No location.
    case none
}
