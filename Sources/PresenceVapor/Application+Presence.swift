import PostgresNIO
import PresenceIngest
import PresenceStore
import Vapor

extension Application {
    /// Presence in this application: its tracker, the pool it writes and queries through, and
    /// their life with the application's.
    ///
    /// Configure it once, in `configure(_:)`, before the application boots:
    ///
    /// ```swift
    /// try app.presence.use(ConnectionSettings(url: Environment.get("DATABASE_URL")!))
    /// app.middleware.use(PresenceMiddleware(tracker: app.presence.tracker, user: User.self))
    /// ```
    public var presence: Presence { Presence(application: self) }

    /// Presence's part of an application; see ``Vapor/Application/presence``.
    public struct Presence: Sendable {
        let application: Application

        /// Connects Presence to its database: a pool and a tracker that start when the
        /// application boots and stop when it shuts down, the tracker first, after it has
        /// written every event it holds.
        ///
        /// The event log must be migrated (`presence migrate`, or `Migrator`).
        ///
        /// - Parameters:
        ///   - settings: The PostgreSQL server and database of the event log.
        ///   - configuration: The tracker's buffer and batches, and the queries' settings.
        /// - Throws: ``PresenceVaporError/alreadyConfigured`` on a second call.
        public func use(_ settings: ConnectionSettings, configuration: Configuration = Configuration()) throws {
            guard runtime == nil else { throw PresenceVaporError.alreadyConfigured }
            let runtime = PresenceRuntime(settings: settings, configuration: configuration, logger: application.logger)
            application.storage[PresenceRuntime.Key.self] = runtime
            application.lifecycle.use(runtime)
        }

        /// The tracker: what ``PresenceMiddleware`` records into, and what application code may
        /// call ``PresenceIngest/PresenceTracker/seen(user:at:location:id:)`` on directly.
        ///
        /// Like Vapor's own services, it stops the application with a message when
        /// ``use(_:configuration:)`` has not been called: that is a mistake in the code, found
        /// at its first start.
        public var tracker: PresenceTracker { configured.tracker }

        /// The pool that the tracker writes through and the queries read through.
        public var client: PostgresClient { configured.client }

        /// What ``use(_:configuration:)`` was given.
        public var configuration: Configuration { configured.configuration }

        /// The running parts, or `nil` before ``use(_:configuration:)``.
        var runtime: PresenceRuntime? { application.storage[PresenceRuntime.Key.self] }

        private var configured: PresenceRuntime {
            guard let runtime else { fatalError(PresenceVaporError.notConfigured.description) }
            return runtime
        }
    }
}
