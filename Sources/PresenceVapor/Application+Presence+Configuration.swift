import PresenceIngest
import PresenceModel
import PresenceProjector
import Vapor

extension Application.Presence {
    /// How Presence runs in a Vapor application.
    public struct Configuration: Sendable, Hashable {
        /// The tracker's buffer, batches, overflow policy and retries.
        public var tracker = PresenceTracker.Configuration()
        /// How recent a last seen counts as online for `req.presence.online` and `locations`.
        /// Default: DESIGN.md's 5 minutes.
        public var onlineThreshold = PresenceDefaults.onlineThreshold
        /// When set, the application runs the projector too, which folds the log into the
        /// projections that `req.presence` reads; `nil` (the default) leaves that to a
        /// projector elsewhere (`presence project --follow`, `presence serve --with-projector`).
        /// Where several instances of the application run it, set its
        /// `waitForOtherProjector`: one folds, the others stand by. A projector that stops
        /// with an error is logged and leaves the tracker and the application running.
        public var projector: Projector.Configuration?
        /// PostgreSQL cancels any statement of the pool that runs longer, so that a query made
        /// from a request ends. Default: 30 seconds, as `presence serve`.
        public var statementTimeout: Duration? = .seconds(30)

        /// The defaults.
        public init() {}
    }
}
