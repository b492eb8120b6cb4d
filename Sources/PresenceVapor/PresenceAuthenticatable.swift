import Vapor

/// An authenticated user that names the id Presence records for it: for such a user,
/// ``PresenceMiddleware`` needs no closure.
///
/// ```swift
/// extension User: PresenceAuthenticatable {
///     var presenceUser: String { id.uuidString }
/// }
/// app.middleware.use(PresenceMiddleware(tracker: app.presence.tracker, user: User.self))
/// ```
public protocol PresenceAuthenticatable: Authenticatable, SendableMetatype {
    /// The id recorded as the event's user: 1 to 256 bytes of UTF-8.
    var presenceUser: String { get }
}
